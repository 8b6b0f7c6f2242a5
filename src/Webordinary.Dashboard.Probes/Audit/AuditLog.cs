using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Probes.Audit;

/// <summary>An audit entry was written or completed (on any instance): open audit pages read the log again.</summary>
public sealed record AuditLogChanged(string EntryId) : DashboardChange;

/// <summary>
/// The one audit log of every action, in the store (<see cref="IAuditStore"/>); it survives restarts. Scale entries are
/// written when the change is asked for and completed when its rollout ends. Each write is announced on the change feed.
/// </summary>
public sealed class AuditLog(IAuditStore store, TimeProvider time, ChangeFeed changes)
{
    public const string InterruptedMessage = "The dashboard stopped before the rollout was seen to finish.";

    /// <summary>Told after writes of any instance, at most once per <paramref name="throttle"/> (an open page reads the log again).</summary>
    public IDisposable Subscribe(Func<Task> onChanged, TimeSpan throttle) => changes.Subscribe<AuditLogChanged>(_ => onChanged(), throttle);

    /// <summary>Closes scale entries a previous process left in progress.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await store.CloseInterruptedScalesAsync(InterruptedMessage, time.GetUtcNow(), cancellationToken);
    }

    public async Task AddAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        // An action is never lost: when the store cannot take the entry it waits in memory with the runs (IStore).
        await store.AddAsync(entry, cancellationToken);
        changes.Publish(new AuditLogChanged(entry.Id));
    }

    /// <summary>Records an action that is over when it is written (everything but a scale change).</summary>
    public Task RecordAsync(Actor actor, AuditAction action, string target, string outcome, string? message, CancellationToken cancellationToken) =>
        AddAsync(new AuditEntry(Model.ProbeRun.NewId(), time.GetUtcNow(), actor, action, target, outcome, message), cancellationToken);

    public async Task CompleteScaleAsync(string id, ScaleOutcome outcome, string? message, DateTimeOffset completedAt, double? rolloutMs, CancellationToken cancellationToken)
    {
        await store.CompleteScaleAsync(id, outcome, message, completedAt, rolloutMs, cancellationToken);
        changes.Publish(new AuditLogChanged(id));
    }

    /// <summary>Newest first.</summary>
    public Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken) => store.ListAsync(query, cancellationToken);
}
