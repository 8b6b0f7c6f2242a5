namespace Webordinary.Dashboard.Notifications;

/// <summary>What a message is about. Written in payloads as <c>opened</c>, <c>resolved</c>, <c>still_open</c>, <c>degraded</c>, <c>acknowledged</c>, <c>test</c>.</summary>
public enum NotificationEvent
{
    /// <summary>An incident opened (one per root cause, with the probes it took down).</summary>
    Opened,

    /// <summary>It was resolved (its root cause passed again), or ended (its service was parked, or it became part of another incident).</summary>
    Resolved,

    /// <summary>A reminder: it is still open.</summary>
    StillOpen,

    /// <summary>A probe has been Degraded for longer than the channel's <c>DegradedAfter</c>.</summary>
    Degraded,

    /// <summary>Someone acknowledged an open incident ("I'm on it"): its reminders stop. Only to channels its opening went to.</summary>
    Acknowledged,

    /// <summary>Send test, from the Notifications page or the API.</summary>
    Test,
}

public static class NotificationEvents
{
    /// <summary>The event's name in payloads, keys and the API.</summary>
    public static string Name(this NotificationEvent notificationEvent) => notificationEvent switch
    {
        NotificationEvent.StillOpen => "still_open",
        _ => notificationEvent.ToString().ToLowerInvariant(),
    };

    public static bool TryParse(string? text, out NotificationEvent notificationEvent)
    {
        var name = text?.Trim();
        foreach (var candidate in Enum.GetValues<NotificationEvent>())
        {
            if (string.Equals(candidate.ToString(), name, StringComparison.OrdinalIgnoreCase) || string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                notificationEvent = candidate;
                return true;
            }
        }

        notificationEvent = default;
        return false;
    }
}
