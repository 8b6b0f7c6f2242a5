namespace Webordinary.Dashboard.Notifications;

public enum DeliveryState
{
    /// <summary>Waiting to be sent, or to be tried again.</summary>
    Pending,

    /// <summary>An attempt is under way (claimed by the channel's sender, so nothing cancels it meanwhile).</summary>
    Sending,

    Delivered,

    /// <summary>A dead letter: the retries ran out, or the receiver refused it for good. Retry sends it again.</summary>
    Dead,

    /// <summary>Not sent, and will not be: its incident became part of another before it went out.</summary>
    Cancelled,
}

/// <summary>One message of the outbox, with how its delivery went (a row of the delivery log).</summary>
/// <param name="HoldUntil">An "opened" message may wait until then while its incident is still taking shape.</param>
public sealed record OutboxEntry(
    long Id,
    string Key,
    string Channel,
    NotificationEvent Event,
    string? IncidentId,
    string? ProbeId,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    DateTimeOffset? HoldUntil,
    DeliveryState State,
    int Attempts,
    DateTimeOffset? LastAttemptAt,
    int? LastStatus,
    string? LastError,
    DateTimeOffset? DeliveredAt,
    string Payload)
{
    /// <summary>From the change that caused it to the receiver's acknowledgement.</summary>
    public TimeSpan? Latency => DeliveredAt - CreatedAt;
}

/// <summary>How a message is put into the outbox.</summary>
public enum OutboxWriteKind
{
    /// <summary>Once per key; a second write of the key is ignored.</summary>
    Queue,

    /// <summary>Once per key; while the first is not sent yet (and was never tried), the newer payload replaces its payload.</summary>
    QueueOrRefresh,

    /// <summary>Only if the incident's opened message went to the channel (or is on its way): a resolution follows an announcement.</summary>
    QueueIfAnnounced,

    /// <summary>Cancels the incident's opened message to the channel if it has not gone out.</summary>
    CancelUnsent,
}

public sealed record OutboxWrite(OutboxWriteKind Kind, string Key, string Channel, NotificationEvent Event, string? IncidentId, string? ProbeId,
    DateTimeOffset At, DateTimeOffset? HoldUntil, string? Payload);

/// <param name="Channel">One channel's, or every channel's.</param>
/// <param name="State">Only these (dead letters: <see cref="DeliveryState.Dead"/>).</param>
public sealed record DeliveryQuery(int Limit = 100, string? Channel = null, DeliveryState? State = null, string? IncidentId = null);

/// <summary>A channel's delivery figures from the log.</summary>
public sealed record ChannelFigures(string Channel, int Pending, int Dead, DateTimeOffset? LastDeliveredAt, DateTimeOffset? LastAttemptAt, string? LastError, int? LastStatus);
