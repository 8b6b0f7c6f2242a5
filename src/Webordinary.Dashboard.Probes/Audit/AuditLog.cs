using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Probes.Audit;

/// <summary>
/// The one audit log of every action, in the store (<see cref="IAuditStore"/>); it survives restarts. Scale entries are
/// written when the change is asked for and completed when its rollout ends.
/// </summary>
public sealed class AuditLog(IAuditStore store, TimeProvider time)
{
    public const string InterruptedMessage = "The dashboard stopped before the rollout was seen to finish.";

    /// <summary>After each write, so open audit pages read the log again.</summary>
    public event Action? Changed;

    /// <summary>Closes scale entries a previous process left in progress.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await store.CloseInterruptedScalesAsync(InterruptedMessage, time.GetUtcNow(), cancellationToken);
    }

    public async Task AddAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        // An action is never lost: when the store cannot take the entry it waits in memory with the runs (IStore).
        await store.AddAsync(entry, cancellationToken);
        Changed?.Invoke();
    }

    /// <summary>Records an action that is over when it is written (everything but a scale change).</summary>
    public Task RecordAsync(Actor actor, AuditAction action, string target, string outcome, string? message, CancellationToken cancellationToken) =>
        AddAsync(new AuditEntry(Model.ProbeRun.NewId(), time.GetUtcNow(), actor, action, target, outcome, message), cancellationToken);

    public async Task CompleteScaleAsync(string id, ScaleOutcome outcome, string? message, DateTimeOffset completedAt, double? rolloutMs, CancellationToken cancellationToken)
    {
        await store.CompleteScaleAsync(id, outcome, message, completedAt, rolloutMs, cancellationToken);
        Changed?.Invoke();
    }

    /// <summary>Newest first.</summary>
    public Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken) => store.ListAsync(query, cancellationToken);
}
