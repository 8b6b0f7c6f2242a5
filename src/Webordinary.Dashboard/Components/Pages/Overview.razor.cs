using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>One row per probe, live: subscribes to the feed and re-renders on every run event.</summary>
public sealed partial class Overview : IDisposable
{
    private IReadOnlyList<ProbeState> _probes = [];
    private DateTimeOffset _now;
    private IDisposable? _subscription;
    private ITimer? _clock;
    private bool _runAllBusy;

    [Inject]
    public required ProbeStatusFeed Feed { get; init; }

    [Inject]
    public required IProbeTriggers Triggers { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required IPlatformStatus PlatformStatus { get; init; }

    private IEnumerable<(ProbeOutcome Outcome, int Count)> Summary =>
        _probes.GroupBy(p => p.Status).OrderBy(g => g.Key).Select(g => (g.Key, g.Count()));

    protected override void OnInitialized()
    {
        // Subscribe before reading the snapshot so nothing falls between the two.
        _subscription = Feed.Subscribe(_ => InvokeAsync(Refresh));
        _probes = Feed.GetSnapshot();
        _now = Time.GetUtcNow();
        // One clock for the page keeps every "x s ago" current.
        _clock = Time.CreateTimer(_ => InvokeAsync(Refresh), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void Refresh()
    {
        _probes = Feed.GetSnapshot();
        _now = Time.GetUtcNow();
        StateHasChanged();
    }

    private async Task RunNowAsync(string probeId)
    {
        var result = await Triggers.RunNowAsync(probeId, CancellationToken.None);
        RunRequestFeedback.Show(Snackbar, result);
    }

    private async Task RunAllAsync()
    {
        _runAllBusy = true;
        try
        {
            var results = await Triggers.RunAllAsync(CancellationToken.None);
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

    public void Dispose()
    {
        _subscription?.Dispose();
        _clock?.Dispose();
    }
}
