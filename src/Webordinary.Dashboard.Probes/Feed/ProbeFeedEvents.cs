using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Probes.Feed;

/// <summary>Something that happened to a run, announced after it was stored.</summary>
public abstract record ProbeFeedEvent(ProbeRun Run) : DashboardChange;

public sealed record RunStartedEvent(ProbeRun Run) : ProbeFeedEvent(Run);

public sealed record StepCompletedEvent(ProbeRun Run, StepResult Step) : ProbeFeedEvent(Run);

/// <param name="Health">The probe's damped status after this run.</param>
/// <param name="HealthChanged">This run moved the damped status (e.g. Up → Down: an incident opened).</param>
public sealed record RunCompletedEvent(ProbeRun Run, Health.ProbeHealth Health = Health.ProbeHealth.Unknown, bool HealthChanged = false) : ProbeFeedEvent(Run);

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
    IReadOnlyList<RunPoint> Trend,
    Health.ProbeHealth Health = Health.ProbeHealth.Unknown)
{
    public ProbeOutcome Status => LastRun?.Outcome ?? ProbeOutcome.Unknown;
}
