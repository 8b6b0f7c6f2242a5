using System.Net;
using System.Text.Json;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using Webordinary.Dashboard.Tests.Notifications;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Incidents;

/// <summary>An incident opened in the sandbox, as its API, its page and its postmortem show it; a real webhook receiver gets its message.</summary>
public sealed class IncidentPageTests
{
    [Fact]
    public async Task An_opened_incident_shows_opened_its_joined_probes_and_the_message_delivered_in_the_api_the_page_and_the_postmortem()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = TableAndFlows();
        AddWebhook(settings, "ops", receiver.Url());
        await using var host = await DashboardHost.StartAsync(settings);
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        var changes = await RecordChangesAsync(host, async () =>
        {
            foreach (var probe in new[] { PlatformProbes.Routing, PlatformProbes.Concurrent, PlatformProbes.Dynamo, PlatformProbes.Dynamo, PlatformProbes.Routing, PlatformProbes.Concurrent })
            {
                await host.RunProbeAsync(probe);
            }
        });
        Assert.Equal([IncidentChangeKind.Opened, IncidentChangeKind.Joined, IncidentChangeKind.Joined], changes.Select(c => c.Change.Kind));
        var id = changes[0].Change.Incident.Id;
        await receiver.WaitForCountAsync(1);
        await DeliveryTests.WaitForStateAsync(host.Get<NotificationCenter>(), "ops", s => s.Pending == 0 && !s.Sending && s.LastDeliveredAt is not null);
        using var http = host.CreateClient();

        var incident = JsonDocument.Parse(await http.GetStringAsync($"api/incidents/{id}")).RootElement;

        Assert.Equal((id, PlatformProbes.Dynamo, "open"), (incident.GetProperty("id").GetString(), incident.GetProperty("rootCause").GetString(), incident.GetProperty("status").GetString()));
        var probes = incident.GetProperty("probes").EnumerateArray().ToList();
        Assert.Equal([PlatformProbes.Dynamo, PlatformProbes.Routing, PlatformProbes.Concurrent], probes.Select(p => p.GetProperty("probeId").GetString()));
        Assert.All(probes, p => Assert.Equal("Fail", p.GetProperty("state").GetString()));
        var timeline = incident.GetProperty("timeline").EnumerateArray().ToList();
        var kinds = timeline.Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal("opened", kinds[0]);
        Assert.Equal($"probe:{PlatformProbes.Dynamo}", timeline[0].GetProperty("actor").GetString());
        Assert.Contains("ServiceUnavailable", timeline[0].GetProperty("text").GetString());
        Assert.Equal(changes[0].Change.Incident.FirstRunId, timeline[0].GetProperty("runId").GetString());
        Assert.Equal([PlatformProbes.Routing, PlatformProbes.Concurrent],
            timeline.Where(e => e.GetProperty("kind").GetString() == "joined").Select(e => e.GetProperty("probeId").GetString()));
        var sent = Assert.Single(timeline, e => e.GetProperty("kind").GetString() == "notification").GetProperty("notification");
        Assert.Equal(("ops", "opened", "delivered", 1), (sent.GetProperty("channel").GetString(), sent.GetProperty("event").GetString(),
            sent.GetProperty("outcome").GetString(), sent.GetProperty("attempts").GetInt32()));
        Assert.True(timeline.Select(e => e.GetProperty("at").GetDateTimeOffset()).SequenceEqual(timeline.Select(e => e.GetProperty("at").GetDateTimeOffset()).Order()),
            "the timeline is oldest first, newest last");
        // The message links to this page.
        var payload = JsonDocument.Parse(receiver.Received[0].Body).RootElement;
        Assert.Equal($"{host.BaseAddress}incidents/{id}", payload.GetProperty("incident").GetProperty("page").GetString());

        var page = WebUtility.HtmlDecode(await http.GetStringAsync($"incidents/{id}"));
        Assert.Contains($"Incident: {PlatformProbes.Dynamo}", page);
        Assert.Contains("data-kind=\"opened\"", page);
        Assert.Equal(2, CountOf(page, "data-kind=\"joined\""));
        Assert.Contains("opened message to ops: delivered after 1 attempt(s)", page);
        Assert.Contains($"data-probe-id=\"{PlatformProbes.Concurrent}\"", page);
        Assert.Contains($"incidents/{id}", WebUtility.HtmlDecode(await http.GetStringAsync("incidents")));

        using var postmortem = await http.GetAsync($"api/incidents/{id}/postmortem");
        Assert.Equal("text/markdown", postmortem.Content.Headers.ContentType?.MediaType);
        var markdown = await postmortem.Content.ReadAsStringAsync();
        Assert.Contains("## Summary", markdown);
        Assert.Contains($"- **Root cause:** {PlatformProbes.Dynamo}", markdown);
        Assert.Contains($"- **Affected probes:** {PlatformProbes.Routing}, {PlatformProbes.Concurrent}", markdown);
        Assert.Contains("- **End:** still open", markdown);
        Assert.Contains("## Timeline", markdown);
        Assert.Contains("| Opened | probe:", markdown);
        Assert.Contains("opened message to ops: delivered", markdown);
        Assert.Contains("## Failing runs", markdown);
        Assert.Contains(changes[0].Change.Incident.FirstRunId, markdown);
    }

    [Theory]
    [InlineData("api/incidents/no%3Csuch%3E", HttpStatusCode.BadRequest)]
    [InlineData("api/incidents/0123456789012345678901234567890123456789012345678901234567890123456789", HttpStatusCode.BadRequest)]
    [InlineData("api/incidents/0123456789abcdef0123456789abcdef", HttpStatusCode.NotFound)]
    [InlineData("api/incidents/0123456789abcdef0123456789abcdef/postmortem", HttpStatusCode.NotFound)]
    [InlineData("api/incidents/bad%20id/postmortem", HttpStatusCode.BadRequest)]
    [InlineData("api/incidents/0123456789abcdef0123456789abcdef/postmortem?download=maybe", HttpStatusCode.BadRequest)]
    public async Task A_bad_or_unknown_id_is_a_problem_not_a_crash(string path, HttpStatusCode expected)
    {
        await using var host = await DashboardHost.StartAsync(TableAndFlows(flows: false));
        using var http = host.CreateClient();

        using var response = await http.GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;
}
