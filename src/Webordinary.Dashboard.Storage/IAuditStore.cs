using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Storage;

/// <summary>The audit log: every action, who did it and how it ended; scale entries are completed when their rollout ends.</summary>
public interface IAuditStore
{
    /// <summary>Scale entries a previous process left in progress become Interrupted, with <paramref name="message"/>.</summary>
    Task CloseInterruptedScalesAsync(string message, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Durable: an action is never lost, the entry waits in memory while the store cannot take it.</summary>
    Task AddAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Durable. The message is kept when <paramref name="message"/> is null.</summary>
    Task CompleteScaleAsync(string id, ScaleOutcome outcome, string? message, DateTimeOffset completedAt, double? rolloutMs, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken);
}
