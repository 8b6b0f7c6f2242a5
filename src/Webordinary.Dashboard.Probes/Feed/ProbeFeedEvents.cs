using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Feed;

/// <summary>Something that happened to a run, announced after it was stored.</summary>
public abstract record ProbeFeedEvent(ProbeRun Run);

public sealed record RunStartedEvent(ProbeRun Run) : ProbeFeedEvent(Run);

public sealed record StepCompletedEvent(ProbeRun Run, StepResult Step) : ProbeFeedEvent(Run);

public sealed record RunCompletedEvent(ProbeRun Run) : ProbeFeedEvent(Run);

/// <summary>A point of a probe's latency trend.</summary>
public sealed record RunPoint(DateTimeOffset StartedAt, double DurationMs, ProbeOutcome Outcome);

/// <summary>
/// What the dashboard shows for one probe right now: its last completed run, the run in progress (with the
/// steps completed so far) and the recent trend.
/// </summary>
public sealed record ProbeState(
    string ProbeId,
    string Kind,
    string Schedule,
    bool Enabled,
    ProbeRun? LastRun,
    ProbeRun? CurrentRun,
    IReadOnlyList<RunPoint> Trend)
{
    public ProbeOutcome Status => LastRun?.Outcome ?? ProbeOutcome.Unknown;
}
