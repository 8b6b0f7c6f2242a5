using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Json.Schema;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Notifications;

/// <summary>Slack: a receiver that answers as Slack's incoming webhooks do, and checks each message against Block Kit's structure.</summary>
public sealed class SlackNotificationTests
{
    /// <summary>Block Kit as Slack checks it (api.slack.com/reference/block-kit): block types, their fields and their limits.</summary>
    private const string BlockKit =
        """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://tests.webordinary.dev/slack-incoming-webhook.json",
          "type": "object",
          "required": ["text", "attachments"],
          "properties": {
            "text": { "type": "string", "minLength": 1, "maxLength": 4000 },
            "attachments": {
              "type": "array", "minItems": 1, "maxItems": 20,
              "items": {
                "type": "object", "additionalProperties": false, "required": ["color", "blocks"],
                "properties": {
                  "color": { "type": "string", "pattern": "^#[0-9a-fA-F]{6}$" },
                  "blocks": { "type": "array", "minItems": 1, "maxItems": 50, "items": { "$ref": "#/$defs/block" } }
                }
              }
            }
          },
          "$defs": {
            "plain": { "type": "object", "additionalProperties": false, "required": ["type", "text"],
              "properties": { "type": { "const": "plain_text" }, "text": { "type": "string", "minLength": 1 }, "emoji": { "type": "boolean" } } },
            "mrkdwn": { "type": "object", "additionalProperties": false, "required": ["type", "text"],
              "properties": { "type": { "const": "mrkdwn" }, "text": { "type": "string", "minLength": 1 }, "verbatim": { "type": "boolean" } } },
            "text": { "oneOf": [ { "$ref": "#/$defs/plain" }, { "$ref": "#/$defs/mrkdwn" } ] },
            "block": {
              "type": "object", "required": ["type"],
              "oneOf": [
                { "additionalProperties": false, "required": ["text"],
                  "properties": { "type": { "const": "header" }, "block_id": { "type": "string" },
                    "text": { "allOf": [ { "$ref": "#/$defs/plain" }, { "properties": { "text": { "maxLength": 150 } } } ] } } },
                { "additionalProperties": false, "anyOf": [ { "required": ["text"] }, { "required": ["fields"] } ],
                  "properties": { "type": { "const": "section" }, "block_id": { "type": "string" },
                    "text": { "allOf": [ { "$ref": "#/$defs/text" }, { "properties": { "text": { "maxLength": 3000 } } } ] },
                    "fields": { "type": "array", "minItems": 1, "maxItems": 10,
                      "items": { "allOf": [ { "$ref": "#/$defs/text" }, { "properties": { "text": { "maxLength": 2000 } } } ] } } } },
                { "additionalProperties": false, "required": ["elements"],
                  "properties": { "type": { "const": "actions" }, "block_id": { "type": "string" },
                    "elements": { "type": "array", "minItems": 1, "maxItems": 25, "items": {
                      "type": "object", "additionalProperties": false, "required": ["type", "text", "action_id"],
                      "properties": { "type": { "const": "button" },
                        "text": { "allOf": [ { "$ref": "#/$defs/plain" }, { "properties": { "text": { "maxLength": 75 } } } ] },
                        "url": { "type": "string", "format": "uri", "maxLength": 3000 },
                        "action_id": { "type": "string", "minLength": 1, "maxLength": 255 },
                        "style": { "enum": ["primary", "danger"] } } } } } },
                { "additionalProperties": false, "required": ["elements"],
                  "properties": { "type": { "const": "context" }, "block_id": { "type": "string" },
                    "elements": { "type": "array", "minItems": 1, "maxItems": 10, "items": { "$ref": "#/$defs/text" } } } },
                { "additionalProperties": false, "properties": { "type": { "const": "divider" }, "block_id": { "type": "string" } } }
              ]
            }
          }
        }
        """;

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(BlockKit));

    [Fact]
    public async Task Opened_resolved_and_test_messages_are_valid_block_kit_in_their_colours_and_slacks_429_is_waited_out()
    {
        await using var slack = await NotificationReceiver.StartAsync();
        var throttled = 0;
        slack.Answer = request =>
        {
            if (SchemaErrors(Schema.Value, request.Body) is { Count: > 0 } errors)
            {
                return (400, null, "invalid_blocks: " + string.Join("; ", errors));
            }

            // Slack's rate limit, once: 429 with Retry-After.
            return Interlocked.Increment(ref throttled) == 1 ? (429, "1", "rate_limited") : (200, null, "ok");
        };
        var settings = TableAndFlows();
        settings["Notifications:Channels:team:Kind"] = "Slack";
        settings["Notifications:Channels:team:Url"] = slack.Url("services/T000/B000/XXXX").ToString();
        await using var host = await DashboardHost.StartAsync(settings);
        var faults = host.Get<FaultInjector>();

        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        foreach (var probe in new[] { PlatformProbes.Routing, PlatformProbes.Concurrent, PlatformProbes.Dynamo, PlatformProbes.Dynamo, PlatformProbes.Routing, PlatformProbes.Concurrent })
        {
            await host.RunProbeAsync(probe);
        }

        await slack.WaitForAsync(r => r.Any(m => m.Status == 200));
        faults.Set(SandboxComponents.DynamoDb, FaultSetting.None);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await slack.WaitForAsync(r => r.Count(m => m.Status == 200) == 2);
        using var http = host.CreateClient();
        await http.PostAsync("api/notifications/channels/team/test", null);
        var all = await slack.WaitForAsync(r => r.Count(m => m.Status == 200) == 3);

        Assert.Equal([429, 200, 200, 200], all.Select(r => r.Status));
        Assert.True(all[1].At - all[0].At >= TimeSpan.FromSeconds(0.9), $"retried {(all[1].At - all[0].At).TotalMilliseconds:0} ms after the 429");
        var (opened, resolved, test) = (Json(all[1]), Json(all[2]), Json(all[3]));
        Assert.Equal(["#d32f2f", "#2e7d32", "#757575"], new[] { opened, resolved, test }.Select(m => m.GetProperty("attachments")[0].GetProperty("color").GetString()));
        var blocks = opened.GetProperty("attachments")[0].GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(["header", "section", "section", "section", "actions", "context"], blocks.Select(b => b.GetProperty("type").GetString()));
        Assert.Contains(PlatformProbes.Dynamo, blocks[0].GetProperty("text").GetProperty("text").GetString());
        var affected = blocks[2].GetProperty("text").GetProperty("text").GetString();
        Assert.Contains($"• {PlatformProbes.Routing}\n• {PlatformProbes.Concurrent}", affected);
        Assert.Contains("ServiceUnavailable", blocks[3].GetProperty("text").GetProperty("text").GetString());
        var button = blocks[4].GetProperty("elements")[0];
        // The incident's own page: its timeline and postmortem.
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(host.BaseAddress.ToString())}incidents/[0-9a-f]{{32}}$", button.GetProperty("url").GetString());
    }

    [Fact]
    public async Task A_message_slack_refuses_for_good_is_a_dead_letter_at_once_and_retry_sends_it_again()
    {
        await using var slack = await NotificationReceiver.StartAsync();
        var refuse = true;
        slack.Answer = _ => refuse ? (404, null, "no_service") : (200, null, "ok");
        var settings = TableAndFlows(flows: false);
        settings["Notifications:Channels:team:Kind"] = "Slack";
        settings["Notifications:Channels:team:Url"] = slack.Url("services/T000/B000/XXXX").ToString();
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("api/notifications/channels/team/test", null)).StatusCode);
        var dead = await DeliveryTests.WaitForStateAsync(host.Get<NotificationCenter>(), "team", s => s.Dead == 1);
        var letters = await http.GetFromJsonAsync<JsonElement>("api/notifications?state=Dead");
        var letter = Assert.Single(letters.GetProperty("deliveries").EnumerateArray());

        Assert.Single(slack.Received);
        Assert.Equal(("Dead", 1, 404), (letter.GetProperty("state").GetString(), letter.GetProperty("attempts").GetInt32(), letter.GetProperty("lastStatus").GetInt32()));
        Assert.Equal("HTTP 404: no_service", letter.GetProperty("lastError").GetString());
        Assert.Equal(ChannelStatus.Failing, dead.Status);

        refuse = false;
        var id = letter.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"api/notifications/deliveries/{id}/retry", null)).StatusCode);
        await slack.WaitForCountAsync(2);
        await DeliveryTests.WaitForStateAsync(host.Get<NotificationCenter>(), "team", s => s.Dead == 0 && s.LastDeliveredAt is not null);
        var again = await http.GetFromJsonAsync<JsonElement>("api/notifications");

        Assert.Equal(("Delivered", 1), (again.GetProperty("deliveries")[0].GetProperty("state").GetString(), again.GetProperty("deliveries")[0].GetProperty("attempts").GetInt32()));
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync($"api/notifications/deliveries/{id}/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("api/notifications/deliveries/999999/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("api/notifications/deliveries/x/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("api/notifications/channels/nope/test", null)).StatusCode);
        var audit = await http.GetFromJsonAsync<JsonElement>("api/audit?action=NotificationRetry");
        Assert.Equal(["Refused", "Refused", "Done"], audit.EnumerateArray().Select(e => e.GetProperty("outcome").GetString()));
    }

    private static JsonElement Json(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement;
}
