namespace Webordinary.Dashboard.Probes.Model;

/// <summary>How a run ended. The API writes these as strings; <see cref="Unknown"/> is a probe that has not run yet.</summary>
public enum ProbeOutcome
{
    Unknown,
    Pass,

    /// <summary>Worked, but slow or through a fallback.</summary>
    Degraded,
    Fail,

    /// <summary>The target service is deliberately scaled to 0: not an outage.</summary>
    Parked,

    /// <summary>
    /// Failed while a change the dashboard made is rolling out (a manual scale, a schedule, a probe's warm-up) or
    /// while the service it needs is parked: planned work, not an outage. Not counted in uptime, never an incident.
    /// </summary>
    Maintenance,

    /// <summary>The dashboard stopped or crashed during the run: says nothing about the platform. Not counted, never an incident.</summary>
    Interrupted,
}

public enum StepOutcome
{
    Pass,
    Degraded,
    Fail,
}

public enum RunTrigger
{
    Schedule,
    Manual,

    /// <summary>Run at once after a first failure, to confirm it (flap damping).</summary>
    Confirm,

    /// <summary>
    /// Run again by the dashboard: a failing probe's recovery re-check, a probe a cleared sandbox fault affected, a
    /// dependency of a probe that just failed, or a dependent of a probe that just recovered.
    /// </summary>
    Recheck,

    /// <summary>Run once from the command line (<c>probe run</c>), e.g. a CI gate.</summary>
    Cli,
}

/// <summary>Why a step failed, with what an operator needs to follow it up.</summary>
/// <param name="Kind"><c>Aws</c>, <c>Http</c>, <c>Timeout</c>, <c>Check</c> (an expectation not met) or <c>Exception</c>.</param>
public sealed record StepFailure(string Kind, string Message, string? ErrorCode = null, string? RequestId = null, int? HttpStatus = null);

public sealed record StepResult(
    int Index,
    string Name,
    StepOutcome Outcome,
    DateTimeOffset StartedAt,
    double DurationMs,
    string? Detail,
    StepFailure? Failure);

/// <summary>One run of one probe. <see cref="EndedAt"/> is null while it runs.</summary>
/// <param name="MaintenanceWindow">
/// The maintenance window the run fell in ("name: reason, until …"), if any: it ran and was recorded as usual, but it
/// counts for no uptime and opens no incident.
/// </param>
public sealed record ProbeRun(
    string Id,
    string ProbeId,
    string ProbeKind,
    RunTrigger Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationMs,
    ProbeOutcome Outcome,
    string? Message,
    IReadOnlyList<StepResult> Steps,
    IReadOnlyDictionary<string, double>? Metrics = null,
    string? MaintenanceWindow = null)
{
    public bool IsRunning => EndedAt is null;

    /// <summary>Counts for uptime: worked or failed outside any maintenance window (not parked, planned or interrupted).</summary>
    public bool IsCounted => (Outcome is ProbeOutcome.Pass or ProbeOutcome.Degraded or ProbeOutcome.Fail) && MaintenanceWindow is null;

    public static string NewId() => Guid.CreateVersion7().ToString("N");
}
