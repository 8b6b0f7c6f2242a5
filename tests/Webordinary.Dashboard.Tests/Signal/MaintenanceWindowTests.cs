using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Signal;

/// <summary>Maintenance windows: probes keep running and recording, nothing opens, uptime leaves the window out; bad input is a 4xx.</summary>
public sealed class MaintenanceWindowTests
{
    [Fact]
    public async Task A_window_over_dynamodb_covers_the_session_flows_that_need_it()
    {
        var settings = DashboardHost.BaseSettings();
        PlatformProbes.Add(settings, interval: "01:00:00", persistenceInterval: "01:00:00", only: string.Join(',', PlatformProbes.Dynamo, PlatformProbes.Hermes, PlatformProbes.Routing));
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        using var http = host.CreateClient();
        // Each probe's first scheduled run comes a second after the start: it must be over before the fault, or a slow
        // start lets one begin before the window and fail after the fault, which rightly opens an incident.
        foreach (var probe in new[] { PlatformProbes.Dynamo, PlatformProbes.Hermes, PlatformProbes.Routing })
        {
            if (host.Get<ProbeStatusFeed>().Get(probe)?.LastRun is null)
            {
                await recorder.WaitForCompletionAsync(probe, TimeSpan.FromSeconds(60));
            }
        }

        var created = await http.PostAsJsonAsync("api/maintenance", new { reason = "Table migration", duration = "01:00:00", components = new[] { "DynamoDB" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));

        // The flow is Hermes's, and needs the table: the window over DynamoDB covers it. Hermes's own check does not.
        var routing = await host.RunProbeAsync(PlatformProbes.Routing);
        var hermes = await host.RunProbeAsync(PlatformProbes.Hermes);

        Assert.Equal(ProbeOutcome.Fail, routing.Outcome);
        Assert.StartsWith($"{(await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()}: Table migration (until ", routing.MaintenanceWindow);
        Assert.Null(hermes.MaintenanceWindow);
        Assert.Empty(host.Get<ProbeHealthTracker>().OpenIncidents);
    }

    [Fact]
    public async Task A_failure_inside_a_window_is_recorded_opens_nothing_costs_no_uptime_and_opens_its_incident_once_the_window_ends()
    {
        var settings = DashboardHost.BaseSettings();
        PlatformProbes.Add(settings, interval: "00:00:01", persistenceInterval: "01:00:00", only: string.Join(',', PlatformProbes.Dynamo, PlatformProbes.CloudWatch));
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var health = host.Get<ProbeHealthTracker>();
        using var http = host.CreateClient();
        await recorder.WaitForCompletionAsync(PlatformProbes.Dynamo, match: e => e.Run.Outcome == ProbeOutcome.Pass);

        var created = await http.PostAsJsonAsync("api/maintenance", new { reason = "Table migration", duration = "01:00:00", components = new[] { "DynamoDB" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var window = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = window.GetProperty("id").GetString()!;
        Assert.True(window.GetProperty("active").GetBoolean());
        Assert.Equal(["DynamoDB"], window.GetProperty("components").EnumerateArray().Select(c => c.GetString()));
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        var silenced = await recorder.WaitForCompletionAsync(PlatformProbes.Dynamo, TimeSpan.FromSeconds(30), e => e.Health == ProbeHealth.Down);
        var failuresInside = recorder.Events.OfType<RunCompletedEvent>().Count(e => e.Run.ProbeId == PlatformProbes.Dynamo && e.Run.Outcome == ProbeOutcome.Fail);

        Assert.Equal(ProbeOutcome.Fail, silenced.Run.Outcome);
        Assert.StartsWith($"{id}: Table migration (until ", silenced.Run.MaintenanceWindow);
        Assert.True(health.IsSilenced(PlatformProbes.Dynamo));
        Assert.Empty(health.OpenIncidents);
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>("api/incidents")).GetArrayLength());
        var stored = await http.GetFromJsonAsync<JsonElement>($"api/runs/{silenced.Run.Id}");
        Assert.Equal(silenced.Run.MaintenanceWindow, stored.GetProperty("maintenanceWindow").GetString());
        var uptime = (await http.GetFromJsonAsync<JsonElement>($"api/probes/{PlatformProbes.Dynamo}/uptime")).GetProperty("windows")[0];
        Assert.Equal(1.0, uptime.GetProperty("uptime").GetDouble());
        Assert.Equal(0, uptime.GetProperty("failed").GetInt32());
        Assert.True(uptime.GetProperty("maintenance").GetInt32() >= failuresInside);
        var overview = await http.GetStringAsync("/");
        Assert.Contains("In maintenance until", overview);
        Assert.Contains("(Table migration)", overview);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/maintenance/{id}")).StatusCode);
        var endedAt = DateTimeOffset.UtcNow;
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents.Count == 1, TimeSpan.FromSeconds(30));

        var incident = Assert.Single(health.OpenIncidents);
        Assert.Equal(PlatformProbes.Dynamo, incident.RootCause);
        // Opened by the first failure after the window, not back-dated into it.
        Assert.True(incident.StartedAt >= endedAt.AddSeconds(-1), $"incident from {incident.StartedAt:O}, window ended {endedAt:O}");
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>("api/maintenance")).GetArrayLength());
    }

    [Theory]
    [InlineData("""{"duration":"01:00:00"}""", "reason is required")]
    [InlineData("""{"reason":"x"}""", "exactly one of duration")]
    [InlineData("""{"reason":"x","duration":"30.00:00:00"}""", "from 1 minute to 7 days")]
    [InlineData("""{"reason":"x","duration":"01:00:00","probes":["nope"]}""", "no probe has id 'nope'")]
    [InlineData("""{"reason":"x","duration":"01:00:00","components":["Kafka"]}""", "unknown component 'Kafka'")]
    [InlineData("""{"reason":"x","duration":"01:00:00","startsAt":"2099-01-01T00:00:00Z"}""", "startsAt must be between")]
    public async Task Bad_window_requests_are_400_problems_that_say_what_is_wrong(string body, string detail)
    {
        await using var host = await StartAsync();
        using var http = host.CreateClient();

        var response = await http.PostAsync("api/maintenance", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Malformed_oversized_unknown_and_scheduled_windows_get_4xx_problems_never_a_500()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "hermes", "HermesHealth");
        settings["Maintenance:Windows:sunday-patch:Cron"] = "0 0 4 ? * SUN";
        settings["Maintenance:Windows:sunday-patch:Duration"] = "01:00:00";
        settings["Maintenance:Windows:sunday-patch:Reason"] = "OS patching";
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();

        var malformed = await http.PostAsync("api/maintenance", new StringContent("{not json", Encoding.UTF8, "application/json"));
        var oversized = await http.PostAsync("api/maintenance", new StringContent($$"""{"reason":"{{new string('x', 20_000)}}","duration":"01:00:00"}""", Encoding.UTF8, "application/json"));
        var longReason = await http.PostAsync("api/maintenance", new StringContent($$"""{"reason":"{{new string('x', 201)}}","duration":"01:00:00"}""", Encoding.UTF8, "application/json"));
        var unknown = await http.DeleteAsync("api/maintenance/adhoc-nope");
        var scheduled = await http.DeleteAsync("api/maintenance/sunday-patch");
        var list = await http.GetFromJsonAsync<JsonElement>("api/maintenance");

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.True((int)oversized.StatusCode is 400 or 413, $"oversized body: {oversized.StatusCode}");
        Assert.Equal(HttpStatusCode.BadRequest, longReason.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, scheduled.StatusCode);
        var sunday = Assert.Single(list.EnumerateArray());
        Assert.Equal(("Scheduled", true, false), (sunday.GetProperty("kind").GetString(), sunday.GetProperty("global").GetBoolean(), sunday.GetProperty("active").GetBoolean()));
        Assert.Equal(DayOfWeek.Sunday, sunday.GetProperty("from").GetDateTimeOffset().DayOfWeek);
    }

    [Fact]
    public void A_scheduled_window_is_open_from_each_fire_of_its_cron_for_its_duration_in_its_time_zone()
    {
        var scope = new MaintenanceScope([], []);
        var window = new MaintenanceWindow("night", MaintenanceWindowKind.Scheduled, "backups", scope, Cron: "0 0 4 * * ?", Duration: TimeSpan.FromHours(1),
            TimeZone: "Europe/Berlin");
        // 04:00 in Berlin in winter is 03:00 UTC.
        var opened = new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.Zero);

        Assert.False(MaintenanceWindows.StateOf(window, opened.AddSeconds(-1)).Active);
        Assert.Equal((true, opened.AddHours(1)), (MaintenanceWindows.StateOf(window, opened.AddMinutes(30)).Active, MaintenanceWindows.StateOf(window, opened.AddMinutes(30)).Until));
        var after = MaintenanceWindows.StateOf(window, opened.AddHours(1));
        Assert.Equal((false, opened.AddDays(1)), (after.Active, after.From));
    }

    private static Task<DashboardHost> StartAsync()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "hermes", "HermesHealth");
        return DashboardHost.StartAsync(settings);
    }
}
