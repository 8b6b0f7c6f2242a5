using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Probes.Health;

/// <summary>
/// The <see cref="IncidentBook"/> of the configured probes, fed each completed run by the runner (before the run is
/// announced), with every incident change stored as it happens and then told to <see cref="Changed"/>'s subscribers
/// (in order, one change at a time). What a change causes (its notifications) is written with it, in its transaction
/// (<see cref="IIncidentOutbox"/>).
/// </summary>
public sealed class ProbeHealthTracker(IIncidentStore incidents, ProbeCatalog catalog, ILogger<ProbeHealthTracker> logger, IIncidentOutbox? outbox = null)
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly IncidentBook _book = new(catalog.Topology);

    /// <summary>What <see cref="InitializeAsync"/> is called in <see cref="StartupLoads"/>.</summary>
    public const string OpenIncidentsLoad = "open incidents";

    /// <summary>
    /// Set once the open incidents are loaded: until then a run changes nothing, so an incident a previous process left
    /// open is never opened a second time while the store cannot be read.
    /// </summary>
    private volatile bool _loaded;

    /// <summary>Each incident change, after it was stored.</summary>
    public event Action<IncidentChange>? Changed;

    /// <summary>Picks up the incidents a previous process left open, so they close when their root cause recovers.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var open = (await incidents.ListAsync(null, openOnly: true, 10_000, cancellationToken)).ToLookup(i => i.ProbeId, StringComparer.OrdinalIgnoreCase);
        lock (_gate)
        {
            foreach (var probe in catalog.Definitions)
            {
                _book.Register(probe.Id, probe.Settings);
                if (open[probe.Id].FirstOrDefault() is { } incident)
                {
                    _book.Resume(probe.Settings, incident);
                }
            }
        }

        _loaded = true;
    }

    public ProbeHealth HealthOf(string probeId)
    {
        lock (_gate)
        {
            return _book.HealthOf(probeId);
        }
    }

    /// <summary>The root cause the probe is Down because of, when it is another probe.</summary>
    public string? CauseOf(string probeId)
    {
        lock (_gate)
        {
            return _book.CauseOf(probeId);
        }
    }

    public bool IsSilenced(string probeId)
    {
        lock (_gate)
        {
            return _book.IsSilenced(probeId);
        }
    }

    /// <summary>Open incidents (one per root cause), oldest first, with their affected probes.</summary>
    public IReadOnlyList<Incident> OpenIncidents
    {
        get
        {
            lock (_gate)
            {
                return _book.OpenIncidents;
            }
        }
    }

    public async Task<HealthChange> ApplyAsync(ProbeSettings settings, ProbeRun run, bool serviceParked = false)
    {
        if (!_loaded)
        {
            logger.LogDebug("Run {RunId} of {ProbeId} not judged: the open incidents are not loaded yet", run.Id, run.ProbeId);
            return HealthChange.None(ProbeHealth.Unknown);
        }

        // Changes are stored and told in the order the book made them, also when two probes finish at once.
        await _writes.WaitAsync();
        try
        {
            HealthChange change;
            lock (_gate)
            {
                change = _book.Apply(settings, run, serviceParked);
            }

            foreach (var incidentChange in change.Incidents)
            {
                Log(incidentChange);
                await incidents.UpsertAsync(incidentChange.Incident, CancellationToken.None, outbox?.Prepare(incidentChange));
                outbox?.Stored(incidentChange);
                try
                {
                    Changed?.Invoke(incidentChange);
                }
                catch (Exception exception)
                {
                    logger.LogWarning(exception, "An incident subscriber failed on {Kind} of {Incident}", incidentChange.Kind, incidentChange.Incident.Id);
                }
            }

            return change;
        }
        finally
        {
            _writes.Release();
        }
    }

    private void Log(IncidentChange change)
    {
        var incident = change.Incident;
        switch (change.Kind)
        {
            case IncidentChangeKind.Opened:
                logger.LogWarning("Probe {ProbeId} is Down: {Reason}", incident.ProbeId, incident.Reason);
                break;
            case IncidentChangeKind.Joined:
                logger.LogWarning("Probe {ProbeId} is Down because {RootCause} is", change.ProbeId, incident.ProbeId);
                break;
            case IncidentChangeKind.Resolved:
                logger.LogInformation("Probe {ProbeId} is Up again after {Duration}", incident.ProbeId, incident.Duration);
                break;
            default:
                logger.LogInformation("Incident of {ProbeId}: {Kind} ({EndReason})", incident.ProbeId, change.Kind, incident.EndReason);
                break;
        }
    }
}
