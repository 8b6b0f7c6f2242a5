using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Components.ViewModels;
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

    // Read from the store (the acknowledgement's owner) when the open incidents or the audit log change, not on every run.
    private IReadOnlyDictionary<string, Probes.Health.IncidentAcknowledgement> _acknowledged = new Dictionary<string, Probes.Health.IncidentAcknowledgement>();
    private string _acknowledgedReadFor = "";
    private string? _acknowledgeDenied;
    private IReadOnlyList<Probes.Maintenance.WindowState> _windows = [];
    private Storage.StoreHealth? _store;
    private IReadOnlyList<string> _storeLoadsWaiting = [];
    private ParkedService? _parked;
    private bool _warmingUp;
    private IReadOnlyList<Probes.History.UptimeWindow> _platformUptime = [];
    private IDisposable? _subscription;
    private static readonly TimeSpan AuditThrottle = TimeSpan.FromMilliseconds(500);

    private IDisposable? _auditSubscription;
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

    [Inject]
    public required IncidentActions IncidentActions { get; init; }

    [Inject]
    public required Storage.IIncidentStore IncidentStore { get; init; }

    [Inject]
    public required Storage.IStore Store { get; init; }

    [Inject]
    public required Probes.Audit.AuditLog Audit { get; init; }

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

    /// <summary>The rows the filter lets through, failing first (<see cref="OverviewRows.Order"/>).</summary>
    private IReadOnlyList<OverviewRow> Shown
    {
        get
        {
            var filter = Filter;
            return [.. OverviewRows.Order(_probes, _incidents, Signals.CauseOf, Facts).Where(row => filter.Matches(row.Probe))];
        }
    }

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
        // Acknowledgements are audited: an audit entry of any instance may change a banner's acknowledged line.
        _auditSubscription = Audit.Subscribe(OnAudited, AuditThrottle);
        ReadState();
        await ReadAcknowledgementsAsync();
        _acknowledgeDenied = await User.DenialAsync(IncidentActions.IncidentRole);
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
        if (string.Join('\n', _incidents.Select(i => i.Id)) != _acknowledgedReadFor)
        {
            _ = InvokeAsync(async () =>
            {
                await ReadAcknowledgementsAsync();
                StateHasChanged();
            });
        }
    }

    private Task OnAudited()
    {
        if (_incidents.Count > 0)
        {
            _acknowledgedReadFor = "";
            QueueRefresh();
        }

        return Task.CompletedTask;
    }

    private async Task ReadAcknowledgementsAsync()
    {
        var incidents = _incidents;
        _acknowledgedReadFor = string.Join('\n', incidents.Select(i => i.Id));
        try
        {
            _acknowledged = incidents.Count == 0
                ? new Dictionary<string, Probes.Health.IncidentAcknowledgement>()
                : (await IncidentStore.ListAsync(null, openOnly: true, incidents.Count + 50, CancellationToken.None))
                    .Where(i => i.Acknowledged is not null).ToDictionary(i => i.Id, i => i.Acknowledged!);
        }
        catch (Exception exception) when (Store.IsUnavailable(exception))
        {
            // The banners show without who acknowledged them (the store's own banner says why); read again at the next change.
            _acknowledgedReadFor = "";
        }
    }

    private async Task ToggleAcknowledgedAsync(string incidentId)
    {
        if (!Store.Health.Healthy)
        {
            Snackbar.Add(IncidentDetails.StoreRefusesWrites, Severity.Error);
            return;
        }

        var acknowledge = !_acknowledged.ContainsKey(incidentId);
        var outcome = await IncidentActions.AcknowledgeAsync(await User.GetAsync(), incidentId, acknowledge, CancellationToken.None);
        Snackbar.Add(outcome.Denied is { } denied ? $"{denied}: your role does not allow acknowledging incidents."
                : outcome.Value.Update is Probes.Health.IncidentUpdate.Done or Probes.Health.IncidentUpdate.Unchanged
                    ? acknowledge ? "Acknowledged: the reminders stop." : "Un-acknowledged: the reminders resume."
                    : "The incident is resolved.",
            outcome.Denied is null ? Severity.Info : Severity.Error);
        await ReadAcknowledgementsAsync();
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
        _auditSubscription?.Dispose();
    }
}
