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
    IReadOnlyDictionary<string, double>? Metrics = null)
{
    public bool IsRunning => EndedAt is null;

    public static string NewId() => Guid.CreateVersion7().ToString("N");
}
