using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Health;

/// <summary>The damped status of a probe: Down only after enough failures in a row, Up again after enough passes.</summary>
public enum ProbeHealth
{
    Unknown,
    Up,
    Down,
}

/// <summary>What one completed run did to a probe's damped status.</summary>
/// <param name="FirstFailure">The first failing run of the current streak (where a Down period starts).</param>
public sealed record DampedStep(ProbeHealth Before, ProbeHealth Health, bool ConfirmNow, ProbeRun? FirstFailure)
{
    public bool WentDown => Before != ProbeHealth.Down && Health == ProbeHealth.Down;

    public bool CameUp => Before == ProbeHealth.Down && Health == ProbeHealth.Up;
}

/// <summary>
/// Flap damping for one probe, pure (no I/O): a probe turns Down after <c>failuresToDown</c> failures in a row and
/// Up after <c>passesToUp</c> passes in a row. The first failure of a streak asks for an immediate confirm re-run
/// instead of waiting a whole interval. Parked, Maintenance and Interrupted runs neither pass nor fail. Raw runs keep
/// every failure; what a Down period means (an incident, or part of another probe's) is <see cref="IncidentBook"/>'s.
/// </summary>
public sealed class HealthStateMachine(int failuresToDown, int passesToUp, bool confirmFailures)
{
    private int _failures;
    private int _passes;

    public ProbeHealth Health { get; private set; }

    public ProbeRun? FirstFailure { get; private set; }

    /// <summary>Resumes a Down period still open when the dashboard stopped.</summary>
    public void Resume() => Health = ProbeHealth.Down;

    /// <summary>Forgets the streak: the probe's service was parked, so what came before says nothing now.</summary>
    public void Reset()
    {
        Health = ProbeHealth.Unknown;
        _failures = 0;
        _passes = 0;
        FirstFailure = null;
    }

    public DampedStep Apply(ProbeRun run)
    {
        var before = Health;
        switch (run.Outcome)
        {
            case ProbeOutcome.Pass or ProbeOutcome.Degraded:
                _failures = 0;
                FirstFailure = null;
                _passes++;
                if ((Health == ProbeHealth.Down && _passes >= passesToUp) || Health == ProbeHealth.Unknown)
                {
                    Health = ProbeHealth.Up;
                }

                return new DampedStep(before, Health, false, null);

            case ProbeOutcome.Fail:
                _passes = 0;
                _failures++;
                FirstFailure ??= run;
                if (Health != ProbeHealth.Down && _failures >= failuresToDown)
                {
                    Health = ProbeHealth.Down;
                }

                return new DampedStep(before, Health, confirmFailures && Health != ProbeHealth.Down && _failures == 1, FirstFailure);

            default:
                return new DampedStep(before, Health, false, FirstFailure);
        }
    }
}
