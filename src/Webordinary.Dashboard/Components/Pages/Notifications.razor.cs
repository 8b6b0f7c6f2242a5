using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>
/// The channels with their state (last delivery, failures, what waits), Send test, the dead letters with Retry and
/// the delivery log; read again whenever a message is queued or tried.
/// </summary>
public sealed partial class Notifications : IDisposable
{
    /// <summary>The log's newest rows; older ones through the API.</summary>
    private const int LogRows = 100;

    private static readonly TimeSpan MinRenderInterval = TimeSpan.FromMilliseconds(250);

    private IDisposable? _centerChanges;

    private IReadOnlyList<ChannelState> _channels = [];
    private IReadOnlyList<OutboxEntry> _log = [];
    private IReadOnlyList<OutboxEntry> _dead = [];
    private string? _denied;
    private int _refreshQueued;

    [Inject]
    public required NotificationCenter Center { get; init; }

    [Inject]
    public required NotificationActions Actions { get; init; }

    [Inject]
    public required CurrentUser User { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required IServiceProvider Services { get; init; }

    private SandboxInbox? Inbox { get; set; }

    protected override async Task OnInitializedAsync()
    {
        // Subscribed before the first await: a circuit closed while it waits is disposed before it goes on, and a
        // handler added after Dispose would never be removed.
        _centerChanges = Center.Subscribe(QueueRefresh);
        Inbox = Services.GetService<SandboxInbox>();
        _denied = await User.DenialAsync(NotificationActions.NotifyRole);
        await ReadAsync();
    }

    /// <summary>A burst of attempts renders at most every <see cref="MinRenderInterval"/>.</summary>
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

    private async Task ReadAsync()
    {
        _channels = Center.States;
        _log = await Center.ListAsync(new DeliveryQuery(LogRows), CancellationToken.None);
        _dead = await Center.ListAsync(new DeliveryQuery(LogRows, State: DeliveryState.Dead), CancellationToken.None);
    }

    private async Task SendTestAsync(string channel)
    {
        var outcome = await Actions.SendTestAsync(await User.GetAsync(), channel, CancellationToken.None);
        if (outcome.Denied is { } denied)
        {
            Snackbar.Add($"{denied}: your role does not allow this.", Severity.Warning);
        }
        else if (outcome.Value is { } entry)
        {
            Snackbar.Add($"Test message queued for {entry.Channel}: its delivery shows in the log.", Severity.Info);
        }

        await ReadAsync();
    }

    private async Task RetryAsync(long id)
    {
        var outcome = await Actions.RetryAsync(await User.GetAsync(), id, CancellationToken.None);
        Snackbar.Add(outcome switch
        {
            { Denied: { } denied } => $"{denied}: your role does not allow this.",
            { Value.Outcome: RetryOutcome.Retried } => "Sent again: its delivery shows in the log.",
            _ => "That message is no longer a dead letter.",
        }, outcome.Value?.Outcome == RetryOutcome.Retried ? Severity.Info : Severity.Warning);
        await ReadAsync();
    }

    /// <summary>From <see cref="Routes"/>: the browser's zone for the next attempt's time.</summary>
    [CascadingParameter]
    public BrowserTimeProvider? BrowserTime { get; set; }

    private string Detail(OutboxEntry entry) => entry.State switch
    {
        DeliveryState.Pending when entry.Attempts > 0 => $"{entry.LastError} — next attempt {(BrowserTime ?? BrowserTimeProvider.Utc).Format(entry.DueAt, "HH:mm:ss")}",
        DeliveryState.Pending => "waiting to be sent",
        DeliveryState.Delivered => entry.LastStatus is { } status ? $"answered {status}" : "",
        _ => entry.LastError ?? "",
    };

    private static string StatusText(ChannelState state) => state.Status switch
    {
        ChannelStatus.Failing => $"Failing ({state.ConsecutiveFailures})",
        ChannelStatus.Ok => "OK",
        _ => "Idle",
    };

    private static Color ColorOf(ChannelStatus status) => status switch
    {
        ChannelStatus.Ok => Color.Success,
        ChannelStatus.Failing => Color.Error,
        _ => Color.Default,
    };

    private static Color ColorOf(DeliveryState state) => state switch
    {
        DeliveryState.Delivered => Color.Success,
        DeliveryState.Dead => Color.Error,
        DeliveryState.Pending => Color.Info,
        _ => Color.Default,
    };

    public void Dispose() => _centerChanges?.Dispose();
}
