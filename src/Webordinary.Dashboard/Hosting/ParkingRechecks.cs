using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// Parking the service re-runs at once every probe that needs it, so they turn Parked when it is parked instead of
/// showing their last green until their next run (minutes later); warming it re-runs them once it is steady again, so
/// they turn green as soon as they can. Driven by the services monitor's reads (<see cref="ServiceStatusFeed"/>):
/// parked is desired count 0 with nothing left running or draining, so a flow re-run then meets no task still serving.
/// </summary>
internal sealed class ParkingRechecks(ServiceStatusFeed services, ProbeCatalog catalog, IProbeTriggers triggers, ILogger<ParkingRechecks> logger)
    : IHostedService
{
    private readonly Lock _gate = new();
    private IDisposable? _subscription;

    /// <summary>
    /// Whether this process last saw the service parked (null: not yet seen). Per process by nature: each instance
    /// reacts to its own monitor's reads, and the triggers keep one pending re-run per probe, so two asking is one run.
    /// </summary>
    private bool? _parked;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = services.Subscribe(OnServices);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private void OnServices(ServicesSnapshot snapshot)
    {
        var service = catalog.HermesService;
        if (snapshot.Find(service) is not { IsSteady: true } state)
        {
            // Still changing (or not read yet): the probes that run meanwhile are explained as planned work.
            return;
        }

        bool? was;
        lock (_gate)
        {
            was = _parked;
            _parked = state.IsParked;
        }

        // The first read sets what is known; the probes' own first runs say the rest.
        if (was is { } before && before != state.IsParked)
        {
            var needing = catalog.NeedingService(service).Where(d => d.Settings.Enabled).Select(d => d.Id).ToList();
            _ = ProbeRechecks.RunNowAsync(triggers, needing, logger, state.IsParked ? $"{service} parked" : $"{service} warmed up");
        }
    }
}
