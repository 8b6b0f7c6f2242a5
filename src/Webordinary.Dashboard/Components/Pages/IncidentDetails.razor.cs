using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using Webordinary.Dashboard.Incidents;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Feed;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>
/// One incident: its summary, its probes with their state now and its timeline; read again when one of its probes
/// completes a run or a message is queued or tried, at most every <see cref="MinRenderInterval"/>.
/// </summary>
public sealed partial class IncidentDetails : IDisposable
{
    private static readonly TimeSpan MinRenderInterval = TimeSpan.FromSeconds(1);

    private IncidentView? _view;
    private IDisposable? _subscription;
    private IDisposable? _centerChanges;
    private int _refreshQueued;

    [Parameter]
    public string IncidentId { get; set; } = "";

    [Inject]
    public required IncidentReader Reader { get; init; }

    [Inject]
    public required ProbeStatusFeed Feed { get; init; }

    [Inject]
    public required NotificationCenter Center { get; init; }

    [Inject]
    public required IJSRuntime Js { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    protected override void OnInitialized()
    {
        // Subscribed before the first await: a circuit closed while it waits is disposed before it goes on.
        _subscription = Feed.Subscribe(e =>
        {
            if (e is RunCompletedEvent { Run.ProbeId: var probeId } && _view is { } view && view.Probes.Any(p => p.ProbeId == probeId))
            {
                QueueRefresh();
            }
        });
        _centerChanges = Center.Subscribe(QueueRefresh);
    }

    protected override async Task OnParametersSetAsync() => await ReadAsync();

    private void QueueRefresh()
    {
        if (Interlocked.Exchange(ref _refreshQueued, 1) == 0)
        {
            _ = InvokeAsync(async () =>
            {
                await Task.Delay(MinRenderInterval);
                Volatile.Write(ref _refreshQueued, 0);
                await ReadAsync();
                StateHasChanged();
            });
        }
    }

    private async Task ReadAsync() => _view = await Reader.ReadAsync(IncidentId, CancellationToken.None);

    private async Task CopyMarkdownAsync()
    {
        if (_view is null)
        {
            return;
        }

        try
        {
            await Js.InvokeVoidAsync("navigator.clipboard.writeText", IncidentPostmortem.Write(_view));
            Snackbar.Add("Postmortem copied as Markdown.", Severity.Success);
        }
        catch (JSException)
        {
            Snackbar.Add("The browser did not allow copying: use Download postmortem.", Severity.Warning);
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _centerChanges?.Dispose();
    }
}
