using System.Text;
using System.Text.Json.Nodes;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// Slack: an incoming webhook with Block Kit — the fallback <c>text</c>, and one attachment in the status colour
/// (red opened, green resolved, amber still open or degraded, grey test) holding the blocks: a header, the root
/// cause and times as fields, the affected probes, the reason, a button to the incident's page, and the key.
/// Slack answers 200 <c>ok</c>; 429 with <c>Retry-After</c> when rate-limited; 4xx with a reason
/// (<c>invalid_payload</c>, <c>no_service</c>, <c>channel_is_archived</c>) that retrying will not fix.
/// </summary>
public sealed class SlackDelivery(IHttpClientFactory clients, TimeProvider time) : IChannelDelivery
{
    // Block Kit's limits (api.slack.com/reference/block-kit/blocks).
    public const int MaxHeaderText = 150;
    public const int MaxSectionText = 3000;
    public const int MaxFieldText = 2000;
    public const int MaxButtonText = 75;
    public const int MaxFallbackText = 4000;

    public ChannelKind Kind => ChannelKind.Slack;

    public async Task<DeliveryResult> SendAsync(NotificationChannel channel, OutboxEntry entry, CancellationToken cancellationToken)
    {
        var message = Render(NotificationPayload.FromJson(entry.Payload));
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Options.Url)
        {
            Content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        return await HttpDelivery.SendAsync(clients.CreateClient(HttpDelivery.ClientName), request, time, cancellationToken);
    }

    /// <summary>The Slack message for a payload.</summary>
    public static JsonObject Render(NotificationPayload payload)
    {
        var (emoji, color) = payload.EventKind switch
        {
            NotificationEvent.Opened => (":red_circle:", "#d32f2f"),
            NotificationEvent.Resolved => (":large_green_circle:", "#2e7d32"),
            NotificationEvent.StillOpen => (":large_orange_circle:", "#ed6c02"),
            NotificationEvent.Degraded => (":large_yellow_circle:", "#f9a825"),
            NotificationEvent.Acknowledged => (":large_blue_circle:", "#1565c0"),
            _ => (":white_circle:", "#757575"),
        };
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = PlainText(Clip($"{Label(payload.EventKind)}: {payload.Title}", MaxHeaderText)) },
        };

        var link = payload.DashboardUrl;
        if (payload.Incident is { } incident)
        {
            link = incident.Page ?? incident.Url;
            var fields = new JsonArray
            {
                Markdown(Clip($"*Root cause*\n{Escape(incident.RootCause)}", MaxFieldText)),
                Markdown($"*Started*\n{SlackDate(incident.StartedAt)}"),
            };
            if (incident.EndedAt is { } ended)
            {
                fields.Add(Markdown($"*Ended*\n{SlackDate(ended)}"));
                fields.Add(Markdown($"*Duration*\n{Durations.Format(TimeSpan.FromMilliseconds(incident.DurationMs))}"));
            }
            else
            {
                fields.Add(Markdown($"*Down for*\n{Durations.Format(TimeSpan.FromMilliseconds(incident.DurationMs))}"));
            }

            blocks.Add(new JsonObject { ["type"] = "section", ["fields"] = fields });
            var affected = incident.AffectedProbes.Count == 0
                ? "*Affected probes*\nnone besides the root cause"
                : $"*Affected probes ({incident.AffectedProbes.Count})*\n" + string.Join('\n', incident.AffectedProbes.Select(p => "• " + Escape(p)));
            blocks.Add(Section(Clip(affected, MaxSectionText)));
            if (incident.Reason is { } reason)
            {
                blocks.Add(Section(Clip($"*Reason*\n{Escape(reason)}", MaxSectionText)));
            }

            if (incident.EndReason is { } endReason)
            {
                blocks.Add(Section(Clip($"*Ended*\n{Escape(endReason)}", MaxSectionText)));
            }
        }
        else if (payload.Probe is { } probe)
        {
            link = probe.Url;
            blocks.Add(new JsonObject
            {
                ["type"] = "section",
                ["fields"] = new JsonArray { Markdown(Clip($"*Probe*\n{Escape(probe.Id)}", MaxFieldText)), Markdown($"*Degraded since*\n{SlackDate(probe.Since)}") },
            });
            if (probe.Message is { } message)
            {
                blocks.Add(Section(Clip($"*Last run*\n{Escape(message)}", MaxSectionText)));
            }
        }
        else
        {
            blocks.Add(Section(Clip(Escape(payload.Summary), MaxSectionText)));
        }

        blocks.Add(new JsonObject
        {
            ["type"] = "actions",
            ["elements"] = new JsonArray
            {
                new JsonObject
                {
                    ["type"] = "button",
                    ["text"] = PlainText(payload.Incident is null ? (payload.Probe is null ? "Open the dashboard" : "Open the probe") : "Open the incident"),
                    ["url"] = link,
                    ["action_id"] = "open-dashboard",
                },
            },
        });
        blocks.Add(new JsonObject
        {
            ["type"] = "context",
            ["elements"] = new JsonArray { Markdown(Clip($"Webordinary Dashboard · {Escape(payload.Key)}", MaxFieldText)) },
        });
        return new JsonObject
        {
            ["text"] = Clip($"{emoji} {Label(payload.EventKind)}: {payload.Title}", MaxFallbackText),
            ["attachments"] = new JsonArray { new JsonObject { ["color"] = color, ["blocks"] = blocks } },
        };
    }

    private static string Label(NotificationEvent notificationEvent) => notificationEvent switch
    {
        NotificationEvent.Opened => "Incident",
        NotificationEvent.Resolved => "Resolved",
        NotificationEvent.StillOpen => "Still open",
        NotificationEvent.Degraded => "Degraded",
        NotificationEvent.Acknowledged => "Acknowledged",
        _ => "Test",
    };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };

    private static JsonObject Markdown(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };

    private static JsonObject Section(string markdown) => new() { ["type"] = "section", ["text"] = Markdown(markdown) };

    /// <summary>Slack's date formatting (in each reader's time zone), with the UTC time as the fallback.</summary>
    private static string SlackDate(DateTimeOffset at) => $"<!date^{at.ToUnixTimeSeconds()}^{{date_short_pretty}} {{time_secs}}|{at:yyyy-MM-dd HH:mm:ss} UTC>";

    /// <summary>The three characters Slack's mrkdwn wants escaped.</summary>
    public static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
