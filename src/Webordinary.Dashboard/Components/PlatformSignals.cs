using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Components;

/// <summary>
/// What the pages show beside the probes' own rows: open incidents by root cause, maintenance windows open now (and
/// making or ending one), and whether results are being stored. <see cref="Changed"/> fires when the store's health or
/// the windows change (incidents change with runs, which the pages already follow on the probe feed).
/// </summary>
public interface IPlatformSignals
{
    IReadOnlyList<Incident> OpenIncidents { get; }

    IReadOnlyList<WindowState> ActiveWindows { get; }

    StoreHealth StoreHealth { get; }

    string DatabasePath { get; }

    event Action? Changed;

    /// <summary>Through <see cref="Security.MaintenanceActions"/>: the user's role checked, the action audited.</summary>
    Task<Security.ActionOutcome<MaintenanceResult>> AddWindowAsync(System.Security.Claims.ClaimsPrincipal user, MaintenanceRequest request);

    Task<Security.ActionOutcome<MaintenanceWindows.EndResult>> EndWindowAsync(System.Security.Claims.ClaimsPrincipal user, string id);
}

internal sealed class PlatformSignals : IPlatformSignals, IDisposable
{
    private readonly ProbeHealthTracker _health;
    private readonly MaintenanceWindows _windows;
    private readonly IStore _store;
    private readonly Security.MaintenanceActions _actions;

    public PlatformSignals(ProbeHealthTracker health, MaintenanceWindows windows, IStore store, Security.MaintenanceActions actions)
    {
        (_health, _windows, _store, _actions) = (health, windows, store, actions);
        _store.HealthChanged += OnStoreHealthChanged;
        _windows.Changed += OnWindowsChanged;
    }

    public IReadOnlyList<Incident> OpenIncidents => _health.OpenIncidents;

    public IReadOnlyList<WindowState> ActiveWindows => _windows.Active();

    public StoreHealth StoreHealth => _store.Health;

    public string DatabasePath => _store.Location;

    public event Action? Changed;

    public Task<Security.ActionOutcome<MaintenanceResult>> AddWindowAsync(System.Security.Claims.ClaimsPrincipal user, MaintenanceRequest request) =>
        _actions.StartAsync(user, request, CancellationToken.None);

    public Task<Security.ActionOutcome<MaintenanceWindows.EndResult>> EndWindowAsync(System.Security.Claims.ClaimsPrincipal user, string id) =>
        _actions.EndAsync(user, id, CancellationToken.None);

    private void OnStoreHealthChanged(StoreHealth health) => Changed?.Invoke();

    private void OnWindowsChanged() => Changed?.Invoke();

    public void Dispose()
    {
        _store.HealthChanged -= OnStoreHealthChanged;
        _windows.Changed -= OnWindowsChanged;
    }
}
