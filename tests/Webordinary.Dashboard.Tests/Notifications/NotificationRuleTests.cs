using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Notifications;

/// <summary>The rules: maintenance holds back openings but never resolutions; one message per root cause, not per probe.</summary>
public sealed class NotificationRuleTests
{
    [Fact]
    public async Task A_window_over_dynamodb_sends_no_opened_but_an_incident_announced_before_a_window_still_gets_its_resolved()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = TableAndFlows(flows: false);
        AddWebhook(settings, "ops", receiver.Url());
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();
        var faults = host.Get<FaultInjector>();
        var health = host.Get<ProbeHealthTracker>();

        var window = await StartWindowAsync(http);
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        Assert.Equal(ProbeHealth.Down, health.HealthOf(PlatformProbes.Dynamo));
        Assert.True(health.IsSilenced(PlatformProbes.Dynamo));
        await SendTestAndWaitAsync(http, receiver);
        Assert.Equal(["test"], Events(receiver));

        // The window ends with the table still down: the incident opens now, and is announced.
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/maintenance/{window}")).StatusCode);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        var incident = Assert.Single(health.OpenIncidents);
        await receiver.WaitForCountAsync(2);
        Assert.Equal(["test", "opened"], Events(receiver));

        // A window opened over it now holds back nothing of an incident announced before it: its resolution goes out.
        await StartWindowAsync(http);
        faults.Set(SandboxComponents.DynamoDb, FaultSetting.None);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        var resolved = (await receiver.WaitForCountAsync(3))[2];

        Assert.Equal(["test", "opened", "resolved"], Events(receiver));
        Assert.Equal(incident.Id, JsonDocument.Parse(resolved.Body).RootElement.GetProperty("incident").GetProperty("id").GetString());
        Assert.Empty(health.OpenIncidents);
    }

    [Fact]
    public async Task Fifty_probes_failing_under_one_root_cause_are_one_opened_and_one_resolved_message_per_channel()
    {
        const int probes = 50;
        await using var webhook = await NotificationReceiver.StartAsync();
        await using var slack = await NotificationReceiver.StartAsync();
        var settings = DashboardHost.BaseSettings();
        settings["Notifications:SandboxInbox"] = "false";
        // On their schedules, as shipped (confirm runs, re-checks of what they need): whichever fails first, one problem is one message.
        DashboardHost.AddProbe(settings, PlatformProbes.Dynamo, "DynamoDbTable", interval: "00:00:02", timeout: "00:00:05");
        for (var i = 0; i < probes; i++)
        {
            DashboardHost.AddProbe(settings, $"janitor-{i:00}", "SessionJanitor", interval: "00:00:02", timeout: "00:00:05");
        }

        AddWebhook(settings, "ops", webhook.Url());
        settings["Notifications:Channels:team:Kind"] = "Slack";
        settings["Notifications:Channels:team:Url"] = slack.Url("services/T000/B000/XXXX").ToString();
        settings["Notifications:Channels:team:RateLimit"] = "60";
        await using var host = await DashboardHost.StartAsync(settings);
        var health = host.Get<ProbeHealthTracker>();
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        await recorder.WaitForAsync<RunCompletedEvent>(_ => recorder.Events.OfType<RunCompletedEvent>().Select(e => e.Run.ProbeId).Distinct().Count() == probes + 1,
            TimeSpan.FromSeconds(60));
        var faults = host.Get<FaultInjector>();

        var opens = new List<string>();
        health.Changed += c =>
        {
            if (c.Kind == IncidentChangeKind.Opened)
            {
                lock (opens)
                {
                    opens.Add($"{c.Incident.RootCause} from {c.Incident.StartedAt:HH:mm:ss.fff}: {c.Incident.Reason}");
                }
            }
        };
        opens.Add($"fault at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents is [{ } only] && only.RootCause == PlatformProbes.Dynamo && only.Affected.Count == probes,
            TimeSpan.FromSeconds(60));
        var opened = await webhook.WaitForCountAsync(1);
        await slack.WaitForCountAsync(1);
        faults.Set(SandboxComponents.DynamoDb, FaultSetting.None);
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents.Count == 0, TimeSpan.FromSeconds(60));
        await webhook.WaitForCountAsync(2);
        await slack.WaitForCountAsync(2);
        using var http = host.CreateClient();
        await SendTestAndWaitAsync(http, webhook, "ops");
        await SendTestAndWaitAsync(http, slack, "team");

        var log = await http.GetFromJsonAsync<JsonElement>("api/notifications?limit=1000");
        var sent = log.GetProperty("deliveries").EnumerateArray().Where(d => d.GetProperty("state").GetString() == "Delivered" && d.GetProperty("event").GetString() != "test")
            .Select(d => $"{d.GetProperty("channel").GetString()} {d.GetProperty("event").GetString()} {d.GetProperty("probeId").GetString()}: {d.GetProperty("title").GetString()}").ToList();
        // However the probes raced (a janitor Down before the table, merged into its incident), no other incident was told.
        Assert.True(sent.Count == 4, string.Join(" | ", sent) + " || " + string.Join(" | ", opens));
        Assert.Equal(["opened", "resolved", "test"], Events(webhook));
        Assert.Equal(3, slack.Received.Count);
        var incident = JsonDocument.Parse(opened[0].Body).RootElement.GetProperty("incident");
        Assert.Equal(PlatformProbes.Dynamo, incident.GetProperty("rootCause").GetString());
        var affected = incident.GetProperty("affectedProbes").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Equal(probes, affected.Count);
        Assert.All(affected, p => Assert.StartsWith("janitor-", p));
        Assert.Contains(":red_circle:", JsonDocument.Parse(slack.Received[0].Body).RootElement.GetProperty("text").GetString());
        Assert.Contains(":large_green_circle:", JsonDocument.Parse(slack.Received[1].Body).RootElement.GetProperty("text").GetString());
        Assert.All(log.GetProperty("deliveries").EnumerateArray().Where(d => d.GetProperty("state").GetString() == "Delivered" && d.GetProperty("event").GetString() != "test"),
            d => Assert.Equal(PlatformProbes.Dynamo, d.GetProperty("probeId").GetString()));
    }

    [Fact]
    public async Task Each_channel_gets_only_the_probes_components_tags_and_events_it_takes_with_links_under_the_public_url()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = TableAndFlows();
        settings["Dashboard:PublicUrl"] = "https://status.example.com/ops";
        settings[$"Dashboard:Probes:{PlatformProbes.Routing}:Tags:0"] = "customer-facing";
        var channels = new Dictionary<string, (string Key, string Value)?>
        {
            ["everything"] = null,
            ["table"] = ("Probes:0", PlatformProbes.Dynamo),
            ["customers"] = ("Tags:0", "customer-facing"),
            ["billing"] = ("Tags:0", "billing"),
            ["hermes"] = ("Components:0", "Hermes"),
            ["ecs"] = ("Components:0", "ECS"),
            ["openings"] = ("Events:0", "Opened"),
        };
        foreach (var (name, filter) in channels)
        {
            AddWebhook(settings, name, receiver.Url(name));
            if (filter is { } only)
            {
                settings[$"Notifications:Channels:{name}:{only.Key}"] = only.Value;
            }
        }

        await using var host = await DashboardHost.StartAsync(settings);
        var faults = host.Get<FaultInjector>();
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        foreach (var probe in new[] { PlatformProbes.Dynamo, PlatformProbes.Dynamo, PlatformProbes.Routing, PlatformProbes.Routing, PlatformProbes.Concurrent, PlatformProbes.Concurrent })
        {
            await host.RunProbeAsync(probe);
        }

        faults.Set(SandboxComponents.DynamoDb, FaultSetting.None);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        using var http = host.CreateClient();
        foreach (var name in channels.Keys)
        {
            await SendTestAndWaitAsync(http, receiver, name);
        }

        var received = receiver.Received.GroupBy(r => r.Path.TrimStart('/'))
            .ToDictionary(g => g.Key, g => g.Select(r => r.Headers[WebhookDelivery.EventHeader]).ToList());
        Assert.Equal(["opened", "resolved", "test"], received["everything"]);
        Assert.Equal(["opened", "resolved", "test"], received["table"]);
        // The tagged flow and the Hermes component's flows are affected probes of the table's incident: they take it.
        Assert.Equal(["opened", "resolved", "test"], received["customers"]);
        Assert.Equal(["opened", "resolved", "test"], received["hermes"]);
        Assert.Equal(["test"], received["billing"]);
        Assert.Equal(["test"], received["ecs"]);
        Assert.Equal(["opened", "test"], received["openings"]);
        var opened = JsonDocument.Parse(receiver.Received.First(r => r.Path == "/customers").Body).RootElement;
        Assert.Equal(PlatformProbes.Dynamo, opened.GetProperty("incident").GetProperty("rootCause").GetString());
        Assert.Contains(PlatformProbes.Routing, opened.GetProperty("incident").GetProperty("affectedProbes").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal($"https://status.example.com/ops/probes/{PlatformProbes.Dynamo}", opened.GetProperty("incident").GetProperty("url").GetString());
        var incidentId = opened.GetProperty("incident").GetProperty("id").GetString();
        Assert.Equal($"https://status.example.com/ops/incidents/{incidentId}", opened.GetProperty("incident").GetProperty("page").GetString());
        Assert.Equal("https://status.example.com/ops/", opened.GetProperty("dashboardUrl").GetString());
    }

    [Fact]
    public async Task Parking_hermes_resolves_its_announced_incident_and_parked_or_maintenance_runs_announce_nothing()
    {
        const string service = "webordinary-hermes-service";
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = DashboardHost.BaseSettings();
        settings["Notifications:SandboxInbox"] = "false";
        settings["Sandbox:InitialDesiredCount"] = "1";
        PlatformProbes.Add(settings, interval: "00:00:01", persistenceInterval: "01:00:00",
            only: string.Join(',', PlatformProbes.Ecs, PlatformProbes.Alb, PlatformProbes.Hermes));
        AddWebhook(settings, "ops", receiver.Url());
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var health = host.Get<ProbeHealthTracker>();
        var services = host.Get<ServiceStatusFeed>();
        using var http = host.CreateClient();
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.Hermes && e.Run.Outcome == ProbeOutcome.Pass);
        host.Get<FaultInjector>().Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));
        var opened = (await receiver.WaitForCountAsync(1)).Single();

        // Parked: the incident ends, and the channel that was told hears it is over, and why.
        Assert.Equal(202, (int)(await http.PostAsJsonAsync($"api/services/{service}/scale", new { desiredCount = 0 })).StatusCode);
        var resolved = (await receiver.WaitForCountAsync(2))[1];
        Assert.Empty(health.OpenIncidents);
        var parkedAt = DateTimeOffset.UtcNow;
        await recorder.WaitForCompletionAsync(PlatformProbes.Hermes, match: e => e.Run.StartedAt > parkedAt && e.Run.Outcome == ProbeOutcome.Parked);
        // Starting again: Maintenance runs while the task comes up, then passes; none of it is announced. The task's
        // health checks fail until the fault is cleared, so the rollout (and its Maintenance) lasts until a run has met it.
        Assert.Equal(202, (int)(await http.PostAsJsonAsync($"api/services/{service}/scale", new { desiredCount = 1 })).StatusCode);
        await recorder.WaitForCompletionAsync(PlatformProbes.Hermes, match: e => e.Run.Outcome == ProbeOutcome.Maintenance);
        host.Get<FaultInjector>().Set(SandboxComponents.Hermes, FaultSetting.None);
        await services.WaitForAsync(s => s.Hermes() is { HealthyTargets: 1, Rollout: null, IsSteady: true }, TimeSpan.FromSeconds(30));
        var upAt = DateTimeOffset.UtcNow;
        await recorder.WaitForCompletionAsync(PlatformProbes.Hermes, match: e => e.Run.StartedAt > upAt && e.Run.Outcome == ProbeOutcome.Pass);
        await SendTestAndWaitAsync(http, receiver);

        Assert.Equal(["opened", "resolved", "test"], Events(receiver));
        var ended = JsonDocument.Parse(resolved.Body).RootElement.GetProperty("incident");
        Assert.Equal(JsonDocument.Parse(opened.Body).RootElement.GetProperty("incident").GetProperty("id").GetString(), ended.GetProperty("id").GetString());
        Assert.Equal(IncidentBook.ParkedEndReason, ended.GetProperty("endReason").GetString());
        Assert.NotEqual(JsonValueKind.Null, ended.GetProperty("endedAt").ValueKind);
        var runs = recorder.Events.OfType<RunCompletedEvent>().Select(e => e.Run.Outcome).ToList();
        Assert.Contains(ProbeOutcome.Parked, runs);
        Assert.Contains(ProbeOutcome.Maintenance, runs);
    }

    private static async Task<string> StartWindowAsync(HttpClient http)
    {
        var created = await http.PostAsJsonAsync("api/maintenance", new { reason = "Table migration", duration = "01:00:00", components = new[] { "DynamoDB" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>A test message goes last on the channel: once it is in, everything queued before it was delivered.</summary>
    private static async Task SendTestAndWaitAsync(HttpClient http, NotificationReceiver receiver, string channel = "ops")
    {
        var before = receiver.Received.Count;
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"api/notifications/channels/{channel}/test", null)).StatusCode);
        await receiver.WaitForAsync(r => r.Skip(before).Any(m => m.Body.Contains("Test notification", StringComparison.Ordinal)));
    }

    private static List<string> Events(NotificationReceiver receiver) => [.. receiver.Received.Select(r => r.Headers[WebhookDelivery.EventHeader])];
}
