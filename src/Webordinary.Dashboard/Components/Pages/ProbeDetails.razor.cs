using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Probes.Store;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>A probe's run in progress (live, step by step) and its stored runs, newest first, a page at a time.</summary>
public sealed partial class ProbeDetails : IDisposable
{
    private const int PageSize = 20;

    private readonly HashSet<string> _expanded = [];
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
    public required Probes.Health.IncidentStore Incidents { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    protected override void OnInitialized()
    {
        _subscription = Feed.Subscribe(OnFeedEvent);
    }

    protected override async Task OnParametersSetAsync()
    {
        _runDenied = await User.DenialAsync(Security.ProbeActions.RunRole);
        _state = Feed.Get(ProbeId);
        _newerCursors.Clear();
        _pageCursor = null;
        await LoadPageAsync();
    }

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

    private async Task OlderAsync()
    {
        _newerCursors.Push(_pageCursor);
        _pageCursor = _runs[^1].StartedAt;
        await LoadPageAsync();
    }

    private async Task NewerAsync()
    {
        _pageCursor = _newerCursors.Pop();
        await LoadPageAsync();
    }

    private void Toggle(string runId)
    {
        if (!_expanded.Remove(runId))
        {
            _expanded.Add(runId);
        }
    }

    private async Task RunNowAsync() => RunRequestFeedback.Show(Snackbar, await Actions.RunNowAsync(await User.GetAsync(), ProbeId, CancellationToken.None));

    public void Dispose()
    {
        _subscription?.Dispose();
    }
}
