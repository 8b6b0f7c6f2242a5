using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Health;

/// <summary>A scheduled probe that starts failing is confirmed at once, goes Down with an incident, and comes back Up.</summary>
public sealed class IncidentFlowTests
{
    [Fact]
    public async Task First_failure_is_confirmed_at_once_then_down_opens_an_incident_that_the_next_pass_closes()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName, interval: "00:00:03");
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.Outcome == ProbeOutcome.Pass);

        host.Get<FaultInjector>().Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));
        var firstFailure = await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.Outcome == ProbeOutcome.Fail);
        var confirmed = await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.Trigger == RunTrigger.Confirm);
        host.Get<FaultInjector>().ClearAll();
        var recovered = await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.StartedAt > confirmed.Run.StartedAt && e.Run.Outcome == ProbeOutcome.Pass);
        using var http = host.CreateClient();
        var incidents = await http.GetFromJsonAsync<JsonElement>("api/incidents?probe=hermes");

        Assert.Equal(ProbeHealth.Up, firstFailure.Health);
        Assert.Equal(ProbeOutcome.Fail, confirmed.Run.Outcome);
        Assert.Equal(ProbeHealth.Down, confirmed.Health);
        Assert.True(confirmed.Run.StartedAt - firstFailure.Run.EndedAt!.Value < TimeSpan.FromSeconds(2), "the confirm run did not start at once");
        Assert.Equal(ProbeHealth.Up, recovered.Health);
        var incident = Assert.Single(incidents.EnumerateArray());
        Assert.Equal(firstFailure.Run.Id, incident.GetProperty("firstRunId").GetString());
        Assert.Equal("GET /hermes/health via ALB", incident.GetProperty("failedStep").GetString());
        Assert.Equal(recovered.Run.EndedAt!.Value.ToUnixTimeMilliseconds(), incident.GetProperty("endedAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal("Up", (await http.GetFromJsonAsync<JsonElement>("api/probes/hermes")).GetProperty("health").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/incidents?probe=nope")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("api/incidents?limit=0")).StatusCode);
    }
}
