using Webordinary.Dashboard.Notifications;

namespace Webordinary.Dashboard.Storage.Rows;

/// <summary>An outbox row as every engine reads it (<c>notification_outbox</c>'s columns; times in Unix milliseconds).</summary>
public sealed class OutboxRow
{
    public long Id { get; init; }
    public string Key { get; init; } = "";
    public string Channel { get; init; } = "";
    public string Event { get; init; } = "";
    public string? IncidentId { get; init; }
    public string? ProbeId { get; init; }
    public long CreatedAt { get; init; }
    public long DueAt { get; init; }
    public long? HoldUntil { get; init; }
    public string State { get; init; } = "";
    public long Attempts { get; init; }
    public long? LastAttemptAt { get; init; }
    public long? LastStatus { get; init; }
    public string? LastError { get; init; }
    public long? DeliveredAt { get; init; }
    public string Payload { get; init; } = "";

    private static DateTimeOffset? FromMs(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;

    public OutboxEntry ToEntry() => new(Id, Key, Channel, NotificationEvents.TryParse(Event, out var e) ? e : NotificationEvent.Test, IncidentId, ProbeId,
        DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(DueAt), FromMs(HoldUntil),
        Enum.Parse<DeliveryState>(State), (int)Attempts, FromMs(LastAttemptAt), LastStatus is { } s ? (int)s : null, LastError, FromMs(DeliveredAt), Payload);
}
