using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>One row per probe, live: subscribes to the feed and re-renders on every run event.</summary>
public sealed partial class Overview : IDisposable
{
    private IReadOnlyList<ProbeState> _probes = [];
    private IReadOnlyList<Probes.Health.Incident> _incidents = [];
    private IReadOnlyList<Probes.Maintenance.WindowState> _windows = [];
    private Storage.StoreHealth? _store;
    private IReadOnlyList<string> _storeLoadsWaiting = [];
    private ParkedService? _parked;
    private bool _warmingUp;
    private IReadOnlyList<Probes.History.UptimeWindow> _platformUptime = [];
    private IDisposable? _subscription;
    private bool _runAllBusy;
    private int _refreshQueued;
    private long _lastRefresh;

    /// <summary>At most this many renders a second per page, however busy the feed: a burst costs one render.</summary>
    private static readonly TimeSpan MinRenderInterval = TimeSpan.FromMilliseconds(100);

    [Inject]
    public required ProbeStatusFeed Feed { get; init; }

    [Inject]
    public required ProbeActions Actions { get; init; }

    [Inject]
    public required CurrentUser User { get; init; }

    /// <summary>Why this user may not run probes, start and end maintenance, or warm the parked service up; null when they may.</summary>
    private string? _runDenied;
    private string? _maintenanceDenied;
    private string? _scaleDenied;

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required IPlatformStatus PlatformStatus { get; init; }

    [Inject]
    public required Probes.History.PlatformUptime PlatformUptime { get; init; }

    [Inject]
    public required IPlatformSignals Signals { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ProbeCatalog Catalog { get; init; }

    // The search and filters live in the URL (ProbeFilter): a view can be linked and survives a reload.
    [SupplyParameterFromQuery(Name = "q")]
    public string? Query { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? StatusQuery { get; set; }

    [SupplyParameterFromQuery(Name = "tag")]
    public string? TagQuery { get; set; }

    [SupplyParameterFromQuery(Name = "group")]
    public string? GroupQuery { get; set; }

    private ProbeFilter Filter => ProbeFilter.FromQuery(Query, StatusQuery, TagQuery, GroupQuery);

    /// <summary>"2 down · Webordinary Dashboard": the tab says how many root causes are down (or probes failing) at a glance.</summary>
    private string Title => _incidents.Count > 0
        ? $"{_incidents.Count} down · Webordinary Dashboard"
        : _probes.Count(p => p.Status == ProbeOutcome.Fail) is > 0 and var failing
            ? $"{failing} failing · Webordinary Dashboard"
            : "Overview · Webordinary Dashboard";

    /// <summary>The worst state on the page, for the favicon: null when nothing fails.</summary>
    private ProbeOutcome? Worst => _incidents.Count > 0 || _probes.Any(p => p.Status == ProbeOutcome.Fail) ? ProbeOutcome.Fail : null;

    /// <summary>
    /// Failing first: each root cause with the probes it took down right under it, then the other failing probes, then
    /// the rest in configuration order.
    /// </summary>
    private IEnumerable<(ProbeState Probe, string? CausedBy)> Rows
    {
        get
        {
            var byId = _probes.ToDictionary(p => p.ProbeId, StringComparer.OrdinalIgnoreCase);
            var shown = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var incident in _incidents)
            {
                if (byId.TryGetValue(incident.RootCause, out var root) && shown.Add(root.ProbeId))
                {
                    yield return (root, null);
                }

                foreach (var affected in incident.Affected)
                {
                    if (byId.TryGetValue(affected, out var probe) && shown.Add(probe.ProbeId))
                    {
                        yield return (probe, incident.RootCause);
                    }
                }
            }

            // A root cause Down inside a maintenance window opens no incident, but still holds what it took down: each
            // such probe right under it, with its "caused by" line.
            var failing = _probes.Where(p => (p.Status == ProbeOutcome.Fail || p.Health == Probes.Health.ProbeHealth.Down) && !shown.Contains(p.ProbeId))
                .Select(p => (Probe: p, Cause: Signals.CauseOf(p.ProbeId))).ToList();
            foreach (var (probe, _) in failing.Where(f => f.Cause is null || !byId.ContainsKey(f.Cause)))
            {
                if (shown.Add(probe.ProbeId))
                {
                    yield return (probe, null);
                }

                foreach (var (below, _) in failing.Where(f => string.Equals(f.Cause, probe.ProbeId, StringComparison.OrdinalIgnoreCase)))
                {
                    if (shown.Add(below.ProbeId))
                    {
                        yield return (below, probe.ProbeId);
                    }
                }
            }

            foreach (var (probe, cause) in failing.Where(f => shown.Add(f.Probe.ProbeId)))
            {
                yield return (probe, cause);
            }

            foreach (var probe in _probes.Where(p => shown.Add(p.ProbeId)))
            {
                yield return (probe, null);
            }
        }
    }

    /// <summary>The rows the filter lets through, in <see cref="Rows"/>' order (failing first).</summary>
    private IReadOnlyList<(ProbeFacts Probe, string? CausedBy)> Shown
    {
        get
        {
            var filter = Filter;
            return [.. Rows.Select(row => (Facts(row.Probe), row.CausedBy)).Where(row => filter.Matches(row.Item1))];
        }
    }

    /// <summary>
    /// By component, the groups in the order of their first row: as rows come failing first, so do the groups with a
    /// failing probe; within a group, the rows keep that order.
    /// </summary>
    /// <summary>Groups with a failing probe first, then by name ("Other", the probes of no component, last).</summary>
    private static IEnumerable<IGrouping<string, (ProbeFacts Probe, string? CausedBy)>> ByComponent(IEnumerable<(ProbeFacts Probe, string? CausedBy)> rows) =>
        rows.GroupBy(row => row.Probe.Component, StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(group => group.Any(row => row.Probe.State.Status == ProbeOutcome.Fail))
            .ThenBy(group => group.Key == "Other")
            .ThenBy(group => group.Key, StringComparer.OrdinalIgnoreCase);

    private ProbeFacts Facts(ProbeState probe) => new(probe,
        Catalog.Topology.ComponentOf(probe.ProbeId)?.DisplayName() ?? "Other",
        Catalog.TryGet(probe.ProbeId, out var definition, out _) ? definition.Settings.Tags ?? [] : []);

    /// <summary>Every configured tag, for the filter's list.</summary>
    private IReadOnlyList<string> AllTags =>
        [.. Catalog.Definitions.SelectMany(d => d.Settings.Tags ?? []).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The new filter into the URL, replacing the entry (typing does not fill the history); the query parameters come back in.</summary>
    private void ApplyFilter(ProbeFilter filter) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(filter.ToQuery()), replace: true);

    private IEnumerable<(ProbeOutcome Outcome, int Count)> Summary =>
        _probes.GroupBy(p => p.Status).OrderBy(g => g.Key).Select(g => (g.Key, g.Count()));

    protected override async Task OnInitializedAsync()
    {
        // Subscribe before reading the snapshot so nothing falls between the two, and before the first await: a
        // circuit closed while this waits is disposed before it goes on, and a handler added after Dispose would stay
        // on the feed for good. The prerendered HTML waits for the platform uptime; the circuit's own initialisation
        // right after finds it in PlatformUptime.
        _subscription = Feed.Subscribe(_ => QueueRefresh());
        Signals.Changed += QueueRefresh;
        ReadState();
        _runDenied = await User.DenialAsync(ProbeActions.RunRole);
        _maintenanceDenied = await User.DenialAsync(MaintenanceActions.MaintenanceRole);
        _scaleDenied = await User.DenialAsync(PlatformActions.ScaleRole);
        _platformUptime = await PlatformUptime.GetAsync(CancellationToken.None);
    }

    /// <summary>
    /// A lone event renders at once; a burst (many probes, many steps) renders at most every
    /// <see cref="MinRenderInterval"/>, showing the latest state.
    /// </summary>
    private void QueueRefresh()
    {
        if (Interlocked.Exchange(ref _refreshQueued, 1) == 0)
        {
            _ = RefreshSoonAsync();
        }
    }

    private async Task RefreshSoonAsync()
    {
        var wait = MinRenderInterval - System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastRefresh));
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        await InvokeAsync(Refresh);
    }

    private void Refresh()
    {
        Interlocked.Exchange(ref _lastRefresh, System.Diagnostics.Stopwatch.GetTimestamp());
        Volatile.Write(ref _refreshQueued, 0);
        ReadState();
        StateHasChanged();
    }

    private void ReadState()
    {
        _probes = Feed.GetSnapshot();
        _incidents = Signals.OpenIncidents;
        _windows = Signals.ActiveWindows;
        _store = Signals.StoreHealth;
        _storeLoadsWaiting = Signals.StoreLoadsWaiting;
        _parked = Signals.Parked;
    }

    private async Task RunNowAsync(string probeId) =>
        RunRequestFeedback.Show(Snackbar, await Actions.RunNowAsync(await User.GetAsync(), probeId, CancellationToken.None));

    private async Task RunAllAsync()
    {
        _runAllBusy = true;
        try
        {
            var outcome = await Actions.RunAllAsync(await User.GetAsync(), CancellationToken.None);
            if (outcome.Denied is { } denied)
            {
                Snackbar.Add($"{denied}: your role does not allow running probes.", Severity.Error);
                return;
            }

            var results = outcome.Value!;
            var accepted = results.Count(r => r.Status == RunRequestStatus.Accepted);
            var cooling = results.Count(r => r.Status == RunRequestStatus.CoolingDown);
            Snackbar.Add(cooling == 0 ? $"Started {accepted} probe(s)." : $"Started {accepted} probe(s); {cooling} ran moments ago and are cooling down.",
                accepted > 0 ? Severity.Info : Severity.Warning);
        }
        finally
        {
            _runAllBusy = false;
        }
    }

    private async Task OpenMaintenanceDialogAsync()
    {
        var parameters = new DialogParameters<Dialogs.MaintenanceDialog> { { d => d.ProbeIds, _probes.Select(p => p.ProbeId).ToList() } };
        await Dialogs.ShowAsync<Dialogs.MaintenanceDialog>("Start maintenance", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
    }

    private async Task WarmUpAsync()
    {
        _warmingUp = true;
        try
        {
            var outcome = await Signals.WarmUpAsync(await User.GetAsync());
            if (outcome.Denied is { } denied)
            {
                Snackbar.Add($"{denied}: your role does not allow scaling.", Severity.Error);
                return;
            }

            var result = outcome.Value!;
            Snackbar.Add(result.Message, result.Status is ScaleRequestStatus.Accepted or ScaleRequestStatus.NoChange ? Severity.Info : Severity.Error);
        }
        finally
        {
            _warmingUp = false;
        }
    }

    private async Task EndWindowAsync(string id)
    {
        if ((await Signals.EndWindowAsync(await User.GetAsync(), id)).Denied is { } denied)
        {
            Snackbar.Add($"{denied}: your role does not allow ending maintenance.", Severity.Error);
            return;
        }

        Snackbar.Add("Maintenance ended: failures open incidents again.", Severity.Info);
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        Signals.Changed -= QueueRefresh;
    }
}
