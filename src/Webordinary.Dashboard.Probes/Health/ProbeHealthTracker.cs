using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Health;

/// <summary>
/// One <see cref="HealthStateMachine"/> per probe, fed each completed run by the runner (before the run is announced),
/// with the incidents it opens and closes stored as they happen.
/// </summary>
public sealed class ProbeHealthTracker(IncidentStore incidents, ILogger<ProbeHealthTracker> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HealthStateMachine> _machines = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Picks up the incidents a previous process left open, so they close when their probe recovers.</summary>
    public async Task InitializeAsync(IEnumerable<ProbeDefinition> probes, CancellationToken cancellationToken)
    {
        var open = (await incidents.ListAsync(null, openOnly: true, 10_000, cancellationToken)).ToLookup(i => i.ProbeId, StringComparer.OrdinalIgnoreCase);
        lock (_gate)
        {
            foreach (var probe in probes)
            {
                var machine = MachineFor(probe.Id, probe.Settings);
                if (open[probe.Id].FirstOrDefault() is { } incident)
                {
                    machine.Resume(incident);
                }
            }
        }
    }

    public ProbeHealth HealthOf(string probeId)
    {
        lock (_gate)
        {
            return _machines.TryGetValue(probeId, out var machine) ? machine.Health : ProbeHealth.Unknown;
        }
    }

    public async Task<HealthChange> ApplyAsync(ProbeSettings settings, ProbeRun run)
    {
        HealthChange change;
        lock (_gate)
        {
            change = MachineFor(run.ProbeId, settings).Apply(run);
        }

        if (change.Opened is { } opened)
        {
            logger.LogWarning("Probe {ProbeId} is Down: {Reason}", run.ProbeId, opened.Reason);
            await incidents.UpsertAsync(opened, CancellationToken.None);
        }

        if (change.Closed is { } closed)
        {
            logger.LogInformation("Probe {ProbeId} is Up again after {Duration}", run.ProbeId, closed.Duration);
            await incidents.UpsertAsync(closed, CancellationToken.None);
        }

        return change;
    }

    private HealthStateMachine MachineFor(string probeId, ProbeSettings settings)
    {
        if (!_machines.TryGetValue(probeId, out var machine))
        {
            machine = new HealthStateMachine(settings.FailuresToDown, settings.PassesToUp, settings.ConfirmFailures);
            _machines[probeId] = machine;
        }

        return machine;
    }
}
