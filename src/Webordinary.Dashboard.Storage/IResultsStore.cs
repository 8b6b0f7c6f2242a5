using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Storage;

/// <summary>
/// Every run and its steps; a run's end is written before it is announced. When the store cannot take them the writes
/// are kept in memory and written later (<see cref="IStore.Health"/> says so); they never fail the run.
/// </summary>
public interface IResultsStore
{
    /// <summary>The message of a run <see cref="InitializeAsync"/> closed: a previous process left it running.</summary>
    const string InterruptedMessage = "Interrupted: the dashboard stopped while this run was in progress.";

    /// <summary>The message of a run <see cref="CloseRunsOfStoppedInstancesAsync"/> closed.</summary>
    const string StoppedInstanceMessage = "Interrupted: the dashboard instance running it stopped checking in.";

    /// <summary>
    /// Creates or migrates the schema and closes runs a previous process left "running" (clustered: only those of
    /// instances no longer checked in, never a live peer's).
    /// </summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Closes as Interrupted the runs of instances no longer checked in to the cluster (one killed mid-run), so none
    /// stays "running" for good; the cluster's sweep calls it. One instance per store (SQLite) has none: its start closes them.
    /// </summary>
    Task<int> CloseRunsOfStoppedInstancesAsync(CancellationToken cancellationToken) => Task.FromResult(0);

    Task InsertRunAsync(ProbeRun run, CancellationToken cancellationToken);

    Task InsertStepAsync(string runId, StepResult step, CancellationToken cancellationToken);

    /// <summary>Writes the run's end and all its steps (steps recorded at a hard timeout were not stored yet).</summary>
    Task CompleteRunAsync(ProbeRun run, CancellationToken cancellationToken);

    /// <summary>A run that was not stored while it ran: the whole run and its steps in one write.</summary>
    Task InsertCompletedRunAsync(ProbeRun run, CancellationToken cancellationToken);

    Task<ProbeRun?> GetRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Newest first, with steps; <paramref name="before"/> pages back by start time.</summary>
    Task<IReadOnlyList<ProbeRun>> GetRunsAsync(string probeId, int limit, DateTimeOffset? before, CancellationToken cancellationToken);

    Task<int> CountRunsAsync(string probeId, CancellationToken cancellationToken);

    /// <summary>Completed runs of a probe in [from, to), oldest first, read a page at a time (for export).</summary>
    IAsyncEnumerable<ProbeRun> StreamRunsAsync(string probeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
