using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Notifications;

/// <summary>Webhook notifications against a real receiver: one message per root cause, signed, in the documented shape.</summary>
public class WebhookNotificationTests
{
    /// <summary>Points the dashboard at its store: SQLite in the settings' data directory here (each test a host of its own); a subclass runs the same tests on another engine.</summary>
    protected virtual Task UseStoreAsync(Dictionary<string, string?> settings) => Task.CompletedTask;

    [Fact]
    public async Task The_session_table_down_is_one_signed_opened_message_with_the_flows_affected_within_a_second_and_one_resolved()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = TableAndFlows();
        AddWebhook(settings, "ops", receiver.Url());
        settings["Notifications:Channels:ops:Headers:X-Team"] = "edit";
        await UseStoreAsync(settings);
        await using var host = await DashboardHost.StartAsync(settings);
        var faults = host.Get<FaultInjector>();

        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        // Each flow's first failure, then the table Down (its incident opens while the flows are still only failing),
        // then the flows Down: they join it. The message waits for them, and goes as soon as they have joined.
        var changes = await RecordChangesAsync(host, async () =>
        {
            foreach (var probe in new[] { PlatformProbes.Routing, PlatformProbes.Concurrent, PlatformProbes.Dynamo, PlatformProbes.Dynamo, PlatformProbes.Routing, PlatformProbes.Concurrent })
            {
                await host.RunProbeAsync(probe);
            }
        });
        var opened = (await receiver.WaitForCountAsync(1)).Single();

        Assert.Equal([IncidentChangeKind.Opened, IncidentChangeKind.Joined, IncidentChangeKind.Joined], changes.Select(c => c.Change.Kind));
        var detected = changes[^1].At;
        Assert.True(opened.At - detected <= TimeSpan.FromSeconds(1), $"opened received {(opened.At - detected).TotalMilliseconds:0} ms after the incident was complete");
        Assert.Empty(SchemaErrors(opened.Body));
        var payload = JsonDocument.Parse(opened.Body).RootElement;
        var incident = payload.GetProperty("incident");
        Assert.Equal(("opened", 1), (payload.GetProperty("event").GetString(), payload.GetProperty("version").GetInt32()));
        Assert.Equal(PlatformProbes.Dynamo, incident.GetProperty("rootCause").GetString());
        Assert.Equal([PlatformProbes.Routing, PlatformProbes.Concurrent], incident.GetProperty("affectedProbes").EnumerateArray().Select(p => p.GetString()));
        Assert.Contains("ServiceUnavailable", incident.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, incident.GetProperty("endedAt").ValueKind);
        Assert.Equal($"{host.BaseAddress}probes/{PlatformProbes.Dynamo}", incident.GetProperty("url").GetString());
        var incidentId = incident.GetProperty("id").GetString();
        Assert.Equal(changes[0].Change.Incident.Id, incidentId);
        Assert.Equal($"{incidentId}:opened:ops", payload.GetProperty("key").GetString());
        Assert.Equal(payload.GetProperty("key").GetString(), opened.Headers["Idempotency-Key"]);
        Assert.Equal(("opened", "edit"), (opened.Headers[WebhookDelivery.EventHeader], opened.Headers["X-Team"]));
        AssertSigned(opened);

        faults.Set(SandboxComponents.DynamoDb, FaultSetting.None);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        var resolved = (await receiver.WaitForCountAsync(2))[1];

        Assert.Empty(SchemaErrors(resolved.Body));
        var closed = JsonDocument.Parse(resolved.Body).RootElement;
        var ended = closed.GetProperty("incident");
        Assert.Equal(("resolved", incidentId), (closed.GetProperty("event").GetString(), ended.GetProperty("id").GetString()));
        var duration = ended.GetProperty("endedAt").GetDateTimeOffset() - ended.GetProperty("startedAt").GetDateTimeOffset();
        Assert.Equal(Math.Round(duration.TotalMilliseconds), ended.GetProperty("durationMs").GetDouble());
        Assert.Contains("recovered after", closed.GetProperty("title").GetString());
        AssertSigned(resolved);

        // The flows come Up with their root cause (no incident of their own). A test message goes last on the channel:
        // once it is here, everything queued before it was delivered — and nothing else was.
        await host.RunProbeAsync(PlatformProbes.Routing);
        await host.RunProbeAsync(PlatformProbes.Concurrent);
        using var http = host.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("api/notifications/channels/ops/test", null)).StatusCode);
        var all = await receiver.WaitForAsync(r => r.Any(m => m.Headers[WebhookDelivery.EventHeader] == "test"));

        Assert.Equal(["opened", "resolved", "test"], all.Select(r => r.Headers[WebhookDelivery.EventHeader]));
        await DeliveryTests.WaitForStateAsync(host.Get<NotificationCenter>(), "ops", s => s.Pending == 0 && !s.Sending && s.LastDeliveredAt is not null);
        var log = await http.GetFromJsonAsync<JsonElement>("api/notifications");
        var deliveries = log.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(["test", "resolved", "opened"], deliveries.Select(d => d.GetProperty("event").GetString()));
        Assert.All(deliveries, d => Assert.Equal(("Delivered", 1), (d.GetProperty("state").GetString(), d.GetProperty("attempts").GetInt32())));
        var channel = Assert.Single(log.GetProperty("channels").EnumerateArray());
        Assert.Equal(("ops", "Webhook", "Ok"), (channel.GetProperty("name").GetString(), channel.GetProperty("kind").GetString(), channel.GetProperty("status").GetString()));
        // The target without the URL's path (a webhook's path is its secret).
        Assert.Equal($"http://{receiver.Url().Authority}/…", channel.GetProperty("target").GetString());
    }

    private static void AssertSigned(ReceivedRequest request)
    {
        var timestamp = request.Headers[WebhookDelivery.TimestampHeader];
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{timestamp}.{request.Body}")));
        Assert.Equal(expected, request.Headers[WebhookDelivery.SignatureHeader]);
        Assert.InRange(long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }
}
