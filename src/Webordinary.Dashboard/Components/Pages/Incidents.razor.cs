using Microsoft.AspNetCore.Components;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Incidents;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>
/// The incidents, newest first; read again when a run moves a probe's damped status (only that opens, joins or ends
/// an incident), at most every <see cref="MinRenderInterval"/> — not on every completed run of every probe.
/// </summary>
public sealed partial class Incidents : IDisposable
{
    private const int Rows = 200;

    private static readonly TimeSpan MinRenderInterval = TimeSpan.FromSeconds(1);

    private IReadOnlyList<IncidentRow> _incidents = [];
    private IDisposable? _subscription;
    private int _refreshQueued;

    [Inject]
    public required Storage.IIncidentStore Store { get; init; }

    [Inject]
    public required ProbeStatusFeed Feed { get; init; }

    protected override async Task OnInitializedAsync()
    {
        // Subscribed before the first await: a circuit closed while it waits is disposed before it goes on.
        _subscription = Feed.Subscribe(e =>
        {
            if (e is RunCompletedEvent { HealthChanged: true })
            {
                QueueRefresh();
            }
        });
        await ReadAsync();
    }

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

    private async Task ReadAsync() => _incidents = [.. (await Store.ListAsync(null, openOnly: false, Rows, CancellationToken.None)).Select(IncidentViewBuilder.Row)];

    public void Dispose() => _subscription?.Dispose();
}
