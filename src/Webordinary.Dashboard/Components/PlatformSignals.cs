using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Components;

/// <summary>The service parked on purpose: by whom and when (from the audit log; null when parked outside the dashboard).</summary>
/// <param name="ProbesPaused">The enabled probes that need it: they report Parked while it is.</param>
public sealed record ParkedService(string Service, Actor? By, DateTimeOffset? At, int ProbesPaused);

/// <summary>
/// What the pages show beside the probes' own rows: open incidents by root cause, maintenance windows open now (and
/// making or ending one), the service parked on purpose (and warming it up), and whether results are being stored.
/// <see cref="Changed"/> fires when the store's health, the windows or the parking change (incidents change with runs,
/// which the pages already follow on the probe feed).
/// </summary>
public interface IPlatformSignals
{
    IReadOnlyList<Incident> OpenIncidents { get; }

    /// <summary>The root cause the probe is Down because of (an open incident's, or one silenced by a window), or null.</summary>
    string? CauseOf(string probeId);

    IReadOnlyList<WindowState> ActiveWindows { get; }

    /// <summary>The Hermes service while it is parked (desired count 0), else null.</summary>
    ParkedService? Parked { get; }

    StoreHealth StoreHealth { get; }

    /// <summary>What start-up could not read from the store yet (<see cref="StartupLoads"/>), in order.</summary>
    IReadOnlyList<string> StoreLoadsWaiting { get; }

    string DatabasePath { get; }

    event Action? Changed;

    /// <summary>Through <see cref="Security.MaintenanceActions"/>: the user's role checked, the action audited.</summary>
    Task<Security.ActionOutcome<MaintenanceResult>> AddWindowAsync(System.Security.Claims.ClaimsPrincipal user, MaintenanceRequest request);

    Task<Security.ActionOutcome<MaintenanceWindows.EndResult>> EndWindowAsync(System.Security.Claims.ClaimsPrincipal user, string id);

    /// <summary>Scales the parked service to 1 through <see cref="Security.PlatformActions"/>: Admins only, audited, as the Scale dialog.</summary>
    Task<Security.ActionOutcome<ScaleRequestResult>> WarmUpAsync(System.Security.Claims.ClaimsPrincipal user);
}

internal sealed class PlatformSignals : IPlatformSignals, IDisposable
{
    private readonly ProbeHealthTracker _health;
    private readonly MaintenanceWindows _windows;
    private readonly IStore _store;
    private readonly StartupLoads _loads;
    private readonly Security.MaintenanceActions _actions;
    private readonly Security.PlatformActions _platform;
    private readonly AuditLog _audit;
    private readonly ProbeCatalog _catalog;
    private readonly IDisposable _services;
    private readonly IDisposable _windowChanges;
    private readonly Lock _gate = new();
    private bool _parkedSeen;
    private ParkedService? _parked;

    public PlatformSignals(ProbeHealthTracker health, MaintenanceWindows windows, IStore store, Security.MaintenanceActions actions,
        Security.PlatformActions platform, AuditLog audit, ProbeCatalog catalog, ServiceStatusFeed services, StartupLoads loads, ChangeFeed changes)
    {
        (_health, _windows, _store, _actions, _platform, _audit, _catalog, _loads) = (health, windows, store, actions, platform, audit, catalog, loads);
        _store.HealthChanged += OnStoreHealthChanged;
        _windowChanges = changes.Subscribe<MaintenanceWindowChange>(_ => Changed?.Invoke());
        _services = services.Subscribe(OnServices);
        OnServices(services.Current);
    }

    public IReadOnlyList<Incident> OpenIncidents => _health.OpenIncidents;

    public string? CauseOf(string probeId) => _health.CauseOf(probeId);

    public IReadOnlyList<WindowState> ActiveWindows => _windows.Active();

    public ParkedService? Parked => _parked;

    public StoreHealth StoreHealth => _store.Health;

    public IReadOnlyList<string> StoreLoadsWaiting => _loads.Waiting;

    public string DatabasePath => _store.Location;

    public event Action? Changed;

    public Task<Security.ActionOutcome<MaintenanceResult>> AddWindowAsync(System.Security.Claims.ClaimsPrincipal user, MaintenanceRequest request) =>
        _actions.StartAsync(user, request, CancellationToken.None);

    public Task<Security.ActionOutcome<MaintenanceWindows.EndResult>> EndWindowAsync(System.Security.Claims.ClaimsPrincipal user, string id) =>
        _actions.EndAsync(user, id, CancellationToken.None);

    public Task<Security.ActionOutcome<ScaleRequestResult>> WarmUpAsync(System.Security.Claims.ClaimsPrincipal user) =>
        _platform.ScaleAsync(user, _catalog.HermesService, 1, CancellationToken.None);

    private void OnStoreHealthChanged(StoreHealth health) => Changed?.Invoke();

    /// <summary>On each change of the service's parking (not every read): who parked it comes from the audit log.</summary>
    private void OnServices(ServicesSnapshot snapshot)
    {
        var parked = snapshot.Find(_catalog.HermesService)?.IsParked == true;
        lock (_gate)
        {
            if (parked == _parkedSeen)
            {
                return;
            }

            _parkedSeen = parked;
        }

        if (parked)
        {
            _ = ReadParkedAsync();
        }
        else
        {
            _parked = null;
            Changed?.Invoke();
        }
    }

    private async Task ReadParkedAsync()
    {
        var service = _catalog.HermesService;
        AuditEntry? parking = null;
        try
        {
            var changes = await _audit.ListAsync(new AuditQuery(20, Action: AuditAction.Scale, Target: service), CancellationToken.None);
            parking = changes.FirstOrDefault(e => e.Scale is { To: 0 } && e.Outcome is not (nameof(ScaleOutcome.Refused) or nameof(ScaleOutcome.Failed) or AuditOutcomes.Denied));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The banner still says the service is parked; only who did it is unknown.
        }

        var paused = _catalog.NeedingService(service).Count(d => d.Settings.Enabled);
        lock (_gate)
        {
            if (!_parkedSeen)
            {
                return;
            }

            _parked = new ParkedService(service, parking?.Actor, parking?.At, paused);
        }

        Changed?.Invoke();
    }

    public void Dispose()
    {
        _store.HealthChanged -= OnStoreHealthChanged;
        _windowChanges.Dispose();
        _services.Dispose();
    }
}
