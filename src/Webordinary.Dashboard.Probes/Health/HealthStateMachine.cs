using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Health;

/// <summary>The damped status of a probe: Down only after enough failures in a row, Up again after enough passes.</summary>
public enum ProbeHealth
{
    Unknown,
    Up,
    Down,
}

/// <summary>An Up → Down → Up period: from the first failing run of the streak to the run that brought it back Up.</summary>
public sealed record Incident(
    string Id,
    string ProbeId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string FirstRunId,
    string? FailedStep,
    string? Reason)
{
    public TimeSpan? Duration => EndedAt - StartedAt;
}

/// <summary>What one completed run did to the damped status.</summary>
public sealed record HealthChange(ProbeHealth Health, Incident? Opened, Incident? Closed, bool ConfirmNow);

/// <summary>
/// Flap damping for one probe, pure (no I/O): a probe turns Down after <c>failuresToDown</c> failures in a row and
/// Up after <c>passesToUp</c> passes in a row. The first failure of a streak asks for an immediate confirm re-run
/// instead of waiting a whole interval. Parked runs neither pass nor fail. Raw runs keep every failure.
/// </summary>
public sealed class HealthStateMachine(int failuresToDown, int passesToUp, bool confirmFailures)
{
    private int _failures;
    private int _passes;
    private ProbeRun? _firstFailure;

    public ProbeHealth Health { get; private set; }

    public Incident? OpenIncident { get; private set; }

    /// <summary>Resumes an incident still open when the dashboard stopped.</summary>
    public void Resume(Incident open)
    {
        Health = ProbeHealth.Down;
        OpenIncident = open;
    }

    public HealthChange Apply(ProbeRun run)
    {
        switch (run.Outcome)
        {
            case ProbeOutcome.Pass or ProbeOutcome.Degraded:
                _failures = 0;
                _firstFailure = null;
                _passes++;
                if (Health == ProbeHealth.Down && _passes >= passesToUp)
                {
                    var closed = OpenIncident! with { EndedAt = run.EndedAt ?? run.StartedAt };
                    Health = ProbeHealth.Up;
                    OpenIncident = null;
                    return new HealthChange(Health, null, closed, false);
                }

                if (Health == ProbeHealth.Unknown)
                {
                    Health = ProbeHealth.Up;
                }

                return new HealthChange(Health, null, null, false);

            case ProbeOutcome.Fail:
                _passes = 0;
                _failures++;
                _firstFailure ??= run;
                if (Health != ProbeHealth.Down && _failures >= failuresToDown)
                {
                    var failedStep = _firstFailure.Steps.FirstOrDefault(s => s.Outcome == StepOutcome.Fail);
                    OpenIncident = new Incident(ProbeRun.NewId(), run.ProbeId, _firstFailure.StartedAt, null, _firstFailure.Id,
                        failedStep?.Name, _firstFailure.Message);
                    Health = ProbeHealth.Down;
                    return new HealthChange(Health, OpenIncident, null, false);
                }

                return new HealthChange(Health, null, null, confirmFailures && Health != ProbeHealth.Down && _failures == 1);

            default:
                return new HealthChange(Health, null, null, false);
        }
    }
}
