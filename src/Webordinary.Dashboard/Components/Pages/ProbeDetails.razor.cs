using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>A probe's run in progress (live, step by step) and its stored runs, newest first, a page at a time.</summary>
public sealed partial class ProbeDetails : IDisposable
{
    private const int PageSize = 20;

    /// <summary>Runs opened at once that the URL keeps; more is not a view anyone links to.</summary>
    private const int MaxOpenRuns = 20;

    private HashSet<string> _expanded = [];
    private string? _loadedProbe;
    private readonly Stack<DateTimeOffset?> _newerCursors = new();
    private ProbeState? _state;
    private IReadOnlyList<ProbeRun> _runs = [];
    private IReadOnlyList<Probes.Health.Incident> _incidents = [];
    private DateTimeOffset? _pageCursor;
    private int _total;
    private IDisposable? _subscription;

    [Parameter]
    public string ProbeId { get; set; } = "";

    [Inject]
    public required ProbeStatusFeed Feed { get; init; }

    [Inject]
    public required IResultsStore Store { get; init; }

    [Inject]
    public required Security.ProbeActions Actions { get; init; }

    [Inject]
    public required CurrentUser User { get; init; }

    /// <summary>Why this user may not run probes; null when they may.</summary>
    private string? _runDenied;

    [Inject]
    public required Storage.IIncidentStore Incidents { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    // The view lives in the URL: the chart's range, the page of runs (the start of the newest run older than it), the
    // opened runs; a link (or a reload) shows the same. Values that do not parse are ignored.
    [SupplyParameterFromQuery(Name = "range")]
    public string? RangeQuery { get; set; }

    [SupplyParameterFromQuery(Name = "before")]
    public string? BeforeQuery { get; set; }

    [SupplyParameterFromQuery(Name = "run")]
    public string[]? RunQuery { get; set; }

    protected override void OnInitialized()
    {
        _subscription = Feed.Subscribe(OnFeedEvent);
    }

    protected override async Task OnParametersSetAsync()
    {
        _runDenied = await User.DenialAsync(Security.ProbeActions.RunRole);
        _state = Feed.Get(ProbeId);
        _expanded = [.. (RunQuery ?? []).Where(Probes.Configuration.ProbeIdFormat.IsValid).Take(MaxOpenRuns)];
        var cursor = ProbeLinks.ParseCursor(BeforeQuery);
        var otherProbe = !string.Equals(_loadedProbe, ProbeId, StringComparison.OrdinalIgnoreCase);
        if (otherProbe)
        {
            _newerCursors.Clear();
        }

        // Opening a run changes only the URL's run list: the page of runs is not read again for it.
        if (otherProbe || cursor != _pageCursor)
        {
            _loadedProbe = ProbeId;
            _pageCursor = cursor;
            await LoadPageAsync();
        }
    }

    /// <summary>One query parameter changed (null: removed), replacing the history entry; it comes back as a parameter.</summary>
    private void Navigate(string name, object? value) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { [name] = value }), replace: true);

    private void OnFeedEvent(ProbeFeedEvent feedEvent)
    {
        if (!string.Equals(feedEvent.Run.ProbeId, ProbeId, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        _ = InvokeAsync(async () =>
        {
            _state = Feed.Get(ProbeId);
            // A finished run joins the list when the newest page is showing.
            if (feedEvent is RunCompletedEvent && _pageCursor is null)
            {
                await LoadPageAsync();
            }

            StateHasChanged();
        });
    }

    private async Task LoadPageAsync()
    {
        if (_state is null)
        {
            return;
        }

        _runs = [.. (await Store.GetRunsAsync(_state.ProbeId, PageSize, _pageCursor, CancellationToken.None)).Where(r => !r.IsRunning)];
        _total = await Store.CountRunsAsync(_state.ProbeId, CancellationToken.None);
        _incidents = await Incidents.ListAsync(_state.ProbeId, openOnly: false, 20, CancellationToken.None);
    }

    private void Older()
    {
        _newerCursors.Push(_pageCursor);
        Navigate("before", Cursor(_runs[^1].StartedAt));
    }

    /// <summary>Back the way the user came; after a reload (no way back kept) to the newest page.</summary>
    private void Newer() => Navigate("before", Cursor(_newerCursors.TryPop(out var newer) ? newer : null));

    private static string? Cursor(DateTimeOffset? at) => at is { } cursor ? ProbeLinks.Cursor(cursor) : null;

    private void SelectRange(string range) => Navigate("range", range == HistoryCharts.DefaultRange ? null : range);

    private void Toggle(string runId)
    {
        if (!_expanded.Remove(runId))
        {
            _expanded.Add(runId);
        }

        Navigate("run", _expanded.Count == 0 ? null : _expanded.ToArray());
    }

    private async Task RunNowAsync() => RunRequestFeedback.Show(Snackbar, await Actions.RunNowAsync(await User.GetAsync(), ProbeId, CancellationToken.None));

    public void Dispose()
    {
        _subscription?.Dispose();
    }
}
