using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Notifications;

public enum ChannelStatus
{
    /// <summary>Nothing tried yet.</summary>
    Idle,

    /// <summary>The last attempt was delivered.</summary>
    Ok,

    /// <summary>The last attempt failed; the message is being tried again (or is a dead letter).</summary>
    Failing,
}

/// <summary>A channel as the Notifications page and the API show it.</summary>
/// <param name="ConsecutiveFailures">Failed attempts since the last delivery.</param>
/// <param name="NextAttemptAt">When the channel tries again (a retry, or its rate limit).</param>
public sealed record ChannelState(
    NotificationChannel Channel,
    int Pending = 0,
    int Dead = 0,
    int ConsecutiveFailures = 0,
    DateTimeOffset? LastDeliveredAt = null,
    DateTimeOffset? LastAttemptAt = null,
    string? LastError = null,
    DateTimeOffset? NextAttemptAt = null,
    bool Sending = false)
{
    public ChannelStatus Status => ConsecutiveFailures > 0 ? ChannelStatus.Failing : LastAttemptAt is null ? ChannelStatus.Idle : ChannelStatus.Ok;
}

public enum RetryOutcome
{
    Retried,
    Unknown,

    /// <summary>Only dead letters are retried (the others are delivered, on their way, or cancelled).</summary>
    NotDead,
}

public sealed record RetryResult(RetryOutcome Outcome, OutboxEntry? Entry);

/// <summary>What the notifications page shows changed.</summary>
public abstract record NotificationCenterChange : DashboardChange;

/// <summary>A delivery was tried on some instance: every instance reads the channels' figures again.</summary>
public sealed record DeliveryAttempted(string Channel) : NotificationCenterChange;

/// <summary>This instance's view of the channels changed (heard here only).</summary>
public sealed record ChannelStatesChanged : NotificationCenterChange;

/// <summary>
/// The notifications as people see and use them: the channels with their state, the delivery log, Send test and
/// Retry of a dead letter (the actions' checks are <c>NotificationActions</c>'). A delivery tried on another instance
/// (the change feed says so) reads the figures again, at most once a second.
/// </summary>
public sealed class NotificationCenter
{
    private static readonly TimeSpan RefreshForOthersAtMost = TimeSpan.FromSeconds(1);

    private readonly NotificationChannels channels;
    private readonly INotificationOutbox outbox;
    private readonly NotificationMessages messages;
    private readonly NotificationSignals signals;
    private readonly TimeProvider time;
    private readonly ChangeFeed _changes;
    private readonly Lock _gate = new();

    // Refreshes one at a time: figures read before another refresh's are never applied after them.
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Dictionary<string, ChannelState> _states;

    public NotificationCenter(NotificationChannels channels, INotificationOutbox outbox, NotificationMessages messages, NotificationSignals signals,
        TimeProvider time, ChangeFeed changes)
    {
        (this.channels, this.outbox, this.messages, this.signals, this.time, _changes) = (channels, outbox, messages, signals, time, changes);
        _states = channels.All.ToDictionary(c => c.Name, c => new ChannelState(c), StringComparer.OrdinalIgnoreCase);
        // For the life of the process (both are singletons).
        changes.Subscribe<DeliveryAttempted>(_ => RefreshAsync(CancellationToken.None), RefreshForOthersAtMost, ChangeOrigin.OtherInstances);
    }

    /// <summary>A channel's state changed or a message was queued or tried (here or on another instance): open pages read again.</summary>
    public IDisposable Subscribe(Action onChanged) => _changes.Subscribe<NotificationCenterChange>(_ => onChanged());

    public IReadOnlyList<NotificationChannel> Channels => channels.All;

    /// <summary>In channel order.</summary>
    public IReadOnlyList<ChannelState> States
    {
        get
        {
            lock (_gate)
            {
                return [.. channels.All.Select(c => _states[c.Name])];
            }
        }
    }

    public ChannelState? StateOf(string channel)
    {
        lock (_gate)
        {
            return _states.GetValueOrDefault(channel);
        }
    }

    public Task<IReadOnlyList<OutboxEntry>> ListAsync(DeliveryQuery query, CancellationToken cancellationToken) => outbox.ListAsync(query, cancellationToken);

    /// <summary>Queues a test message to the channel (delivered like any other: in order, with retries and the rate limit).</summary>
    /// <returns>The queued message; null for an unknown channel.</returns>
    public async Task<OutboxEntry?> SendTestAsync(string channelName, string actor, CancellationToken cancellationToken)
    {
        if (channels.Get(channelName) is not { } channel)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var payload = messages.ForTest(channel.Name, actor, now);
        await outbox.WriteAsync([new OutboxWrite(OutboxWriteKind.Queue, payload.Key, channel.Name, NotificationEvent.Test, null, null, now, null, payload.ToJson())],
            cancellationToken);
        signals.Notify();
        await RefreshAsync(cancellationToken);
        return await outbox.GetAsync(payload.Key, cancellationToken)
            ?? new OutboxEntry(0, payload.Key, channel.Name, NotificationEvent.Test, null, null, now, now, null, DeliveryState.Pending, 0, null, null, null, null, payload.ToJson());
    }

    /// <summary>Sends a dead letter again (pending, due now, its attempts counted afresh).</summary>
    public async Task<RetryResult> RetryAsync(long id, CancellationToken cancellationToken)
    {
        if (await outbox.GetAsync(id, cancellationToken) is not { } entry || channels.Get(entry.Channel) is null)
        {
            return new(RetryOutcome.Unknown, null);
        }

        if (!await outbox.RetryAsync(id, time.GetUtcNow(), cancellationToken))
        {
            return new(RetryOutcome.NotDead, entry);
        }

        signals.Notify();
        await RefreshAsync(cancellationToken);
        return new(RetryOutcome.Retried, await outbox.GetAsync(id, cancellationToken));
    }

    /// <summary>Reads the channels' figures (pending, dead letters, last delivery) from the log.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            await RefreshInOrderAsync(cancellationToken);
        }
        finally
        {
            _refreshing.Release();
        }

        _changes.Publish(new ChannelStatesChanged());
    }

    private async Task RefreshInOrderAsync(CancellationToken cancellationToken)
    {
        var figures = await outbox.FiguresAsync(cancellationToken);
        lock (_gate)
        {
            foreach (var channel in channels.All)
            {
                var state = _states[channel.Name];
                if (figures.TryGetValue(channel.Name, out var f))
                {
                    var failing = state.LastAttemptAt is null && f.LastAttemptAt is { } attempted && (f.LastDeliveredAt is null || f.LastDeliveredAt < attempted)
                        ? 1
                        : state.ConsecutiveFailures;
                    state = state with
                    {
                        Pending = f.Pending,
                        Dead = f.Dead,
                        LastDeliveredAt = f.LastDeliveredAt,
                        LastAttemptAt = f.LastAttemptAt,
                        LastError = f.LastDeliveredAt >= f.LastAttemptAt ? null : f.LastError,
                        ConsecutiveFailures = failing,
                    };
                }
                else
                {
                    state = state with { Pending = 0, Dead = 0 };
                }

                _states[channel.Name] = state;
            }
        }
    }

    internal void Update(string channel, Func<ChannelState, ChannelState> change)
    {
        lock (_gate)
        {
            _states[channel] = change(_states[channel]);
        }

        _changes.Publish(new ChannelStatesChanged());
    }

    internal void Attempted(string channel, OutboxEntry entry)
    {
        Update(channel, s => Attempted(s, entry));
        _changes.Publish(new DeliveryAttempted(channel));
    }

    private static ChannelState Attempted(ChannelState s, OutboxEntry entry) => s with
    {
        Sending = false,
        LastAttemptAt = entry.LastAttemptAt,
        LastDeliveredAt = entry.State == DeliveryState.Delivered ? entry.DeliveredAt : s.LastDeliveredAt,
        LastError = entry.State == DeliveryState.Delivered ? null : entry.LastError,
        ConsecutiveFailures = entry.State == DeliveryState.Delivered ? 0 : s.ConsecutiveFailures + 1,
        NextAttemptAt = entry.State == DeliveryState.Pending ? entry.DueAt : null,
    };
}
