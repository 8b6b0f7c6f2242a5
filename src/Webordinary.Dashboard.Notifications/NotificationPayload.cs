using System.Text.Json;
using System.Text.Json.Serialization;
using Webordinary.Dashboard.Probes.Health;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// The message every channel sends, version 1: what a webhook POSTs as it is (schema:
/// <c>notification-v1.schema.json</c>), and what the Slack, email and SNS messages are made from. Fields are always
/// present, null where they do not apply. A new field is added without a new version; a field changing its meaning or
/// going away is version 2.
/// </summary>
/// <param name="Key">The idempotency key, one per (incident, event, channel): a receiver that saw it before has this message already.</param>
/// <param name="At">When the message was made (the change that caused it).</param>
/// <param name="Title">One line: "dynamodb-session-table is down".</param>
/// <param name="Summary">A few lines for people: root cause, affected probes, reason, duration.</param>
public sealed record NotificationPayload(
    int Version,
    string Event,
    string Key,
    string Channel,
    DateTimeOffset At,
    string Title,
    string Summary,
    IncidentPayload? Incident,
    ProbePayload? Probe,
    string DashboardUrl)
{
    public const int CurrentVersion = 1;

    [JsonIgnore]
    public NotificationEvent EventKind => NotificationEvents.TryParse(Event, out var parsed) ? parsed : NotificationEvent.Test;

    public string ToJson() => JsonSerializer.Serialize(this, NotificationJson.Options);

    public static NotificationPayload FromJson(string json) => JsonSerializer.Deserialize<NotificationPayload>(json, NotificationJson.Options)!;
}

/// <param name="RootCause">The probe whose failure the incident is.</param>
/// <param name="AffectedProbes">Probes that went Down because they need the root cause.</param>
/// <param name="DurationMs">Until it ended, or so far while it is open.</param>
/// <param name="EndReason">Why it ended, when not by its root cause passing: "ended: service parked", "merged into …'s incident".</param>
/// <param name="MergedInto">The incident this one became part of.</param>
/// <param name="Url">The root cause's page on the dashboard, with its incidents.</param>
/// <param name="Page">The incident's own page (timeline, postmortem); null in messages made before it existed.</param>
/// <param name="AcknowledgedBy">Who acknowledged it: set in <c>acknowledged</c> messages, null in the others.</param>
/// <param name="AcknowledgedAt">When it was acknowledged: set in <c>acknowledged</c> messages, null in the others.</param>
public sealed record IncidentPayload(
    string Id,
    string RootCause,
    IReadOnlyList<string> AffectedProbes,
    string? FailedStep,
    string? Reason,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double DurationMs,
    string? EndReason,
    string? MergedInto,
    string Url,
    string? Page = null,
    string? AcknowledgedBy = null,
    DateTimeOffset? AcknowledgedAt = null);

/// <summary>The probe a <c>degraded</c> message is about.</summary>
/// <param name="Since">When its Degraded runs began.</param>
public sealed record ProbePayload(string Id, string Outcome, string? Message, DateTimeOffset Since, string RunId, string Url);

public static class NotificationJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}

/// <summary>Makes the payloads: the words people read, the links, the keys.</summary>
public sealed class NotificationMessages(DashboardLinks links)
{
    public static string KeyOf(string subject, NotificationEvent notificationEvent, string channel) => $"{subject}:{notificationEvent.Name()}:{channel}";

    public NotificationPayload ForIncident(NotificationEvent notificationEvent, Incident incident, string channel, DateTimeOffset at, string? key = null)
    {
        var duration = (incident.EndedAt ?? at) - incident.StartedAt;
        var affected = incident.Affected;
        var title = notificationEvent switch
        {
            NotificationEvent.Opened => $"{incident.RootCause} is down",
            NotificationEvent.StillOpen => $"{incident.RootCause} is still down after {Durations.Format(duration)}",
            NotificationEvent.Acknowledged => $"{incident.RootCause}'s incident acknowledged by {incident.Acknowledged?.Actor}",
            _ when incident.MergedInto is not null => $"{incident.RootCause}'s incident is part of another now",
            _ when incident.EndReason is { } ended => $"{incident.RootCause}: incident {ended} after {Durations.Format(duration)}",
            _ => $"{incident.RootCause} recovered after {Durations.Format(duration)}",
        };
        var lines = new List<string> { $"Root cause: {incident.RootCause}" };
        lines.Add(affected.Count == 0 ? "Affected probes: none besides the root cause" : $"Affected probes ({affected.Count}): {string.Join(", ", affected)}");
        if (incident.Reason is { } reason)
        {
            lines.Add($"Reason: {reason}");
        }

        lines.Add(incident.EndedAt is { } endedAt
            ? $"Down from {incident.StartedAt:yyyy-MM-dd HH:mm:ss} to {endedAt:HH:mm:ss} UTC ({Durations.Format(duration)})"
            : $"Down since {incident.StartedAt:yyyy-MM-dd HH:mm:ss} UTC ({Durations.Format(duration)})");
        if (incident.EndReason is { } why)
        {
            lines.Add($"Ended: {why}");
        }

        var acknowledged = notificationEvent == NotificationEvent.Acknowledged ? incident.Acknowledged : null;
        if (acknowledged is not null)
        {
            lines.Add($"Acknowledged by {acknowledged.Actor} at {acknowledged.At:yyyy-MM-dd HH:mm:ss} UTC: reminders stop until it is un-acknowledged");
        }

        return new NotificationPayload(NotificationPayload.CurrentVersion, notificationEvent.Name(), key ?? KeyOf(incident.Id, notificationEvent, channel), channel, at,
            title, string.Join('\n', lines),
            new IncidentPayload(incident.Id, incident.RootCause, affected, incident.FailedStep, incident.Reason, incident.StartedAt, incident.EndedAt,
                Math.Round(duration.TotalMilliseconds), incident.EndReason, incident.MergedInto, links.Probe(incident.RootCause),
                links.Incident(incident.Id), acknowledged?.Actor, acknowledged?.At),
            null, links.Home);
    }

    public NotificationPayload ForDegraded(string probeId, DegradedStreak streak, string channel, DateTimeOffset at, TimeSpan after) =>
        new(NotificationPayload.CurrentVersion, NotificationEvent.Degraded.Name(), KeyOf($"{probeId}:{streak.FirstRunId}", NotificationEvent.Degraded, channel), channel, at,
            $"{probeId} has been degraded for {Durations.Format(at - streak.Since)}",
            $"Probe: {probeId}\nDegraded since {streak.Since:yyyy-MM-dd HH:mm:ss} UTC (more than {Durations.Format(after)})\nLast: {streak.Message}",
            null, new ProbePayload(probeId, "Degraded", streak.Message, streak.Since, streak.LastRunId, links.Probe(probeId)), links.Home);

    public NotificationPayload ForTest(string channel, string actor, DateTimeOffset at) =>
        new(NotificationPayload.CurrentVersion, NotificationEvent.Test.Name(), KeyOf($"test-{Guid.NewGuid():N}", NotificationEvent.Test, channel), channel, at,
            "Test notification from Webordinary Dashboard",
            $"Sent by {actor} with Send test: channel {channel} works.", null, null, links.Home);
}

/// <summary>A run of Degraded runs of one probe.</summary>
public sealed record DegradedStreak(DateTimeOffset Since, string FirstRunId, string LastRunId, string? Message);

public static class Durations
{
    /// <summary>"45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h".</summary>
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalMinutes < 1 ? $"{Math.Floor(span.TotalSeconds):0} s"
            : span.TotalHours < 1 ? (span.Seconds == 0 ? $"{span.Minutes} min" : $"{span.Minutes} min {span.Seconds} s")
            : span.TotalDays < 1 ? (span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min")
            : span.Hours == 0 ? $"{(int)span.TotalDays} d" : $"{(int)span.TotalDays} d {span.Hours} h";
    }
}
