using System.Net.Http.Json;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Signal;

/// <summary>Planned, audited operations are not outages: scaling through the dashboard is Maintenance or Parked, never an incident.</summary>
public sealed class PlannedWorkTests
{
    private const string Service = "webordinary-hermes-service";

    private static Dictionary<string, string?> Settings()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Sandbox:InitialDesiredCount"] = "0";
        // Long enough for several 1 s runs to meet the rollout.
        settings["Sandbox:TaskStartDelay"] = "00:00:02";
        settings["Sandbox:HealthCheckDelay"] = "00:00:01";
        PlatformProbes.Add(settings, interval: "00:00:01", persistenceInterval: "01:00:00",
            only: string.Join(',', PlatformProbes.Ecs, PlatformProbes.Alb, PlatformProbes.Hermes, PlatformProbes.CloudWatch));
        return settings;
    }

    [Fact]
    public async Task A_run_that_started_during_a_rollout_is_explained_by_it_even_when_the_rollout_settled_before_the_run_ended()
    {
        await using var host = await DashboardHost.StartAsync(Settings());
        using var http = host.CreateClient();
        var services = host.Get<ServiceStatusFeed>();
        var scaler = host.Get<ServiceScaler>();
        var planned = host.Get<PlannedWork>();

        Assert.Equal(202, (int)(await http.PostAsJsonAsync($"api/services/{Service}/scale", new { desiredCount = 2 })).StatusCode);
        var startedDuringRollout = DateTimeOffset.UtcNow;
        Assert.NotNull(scaler.InFlight(Service));
        await services.WaitForAsync(s => s.Hermes() is { HealthyTargets: 2, IsSteady: true } && scaler.InFlight(Service) is null, TimeSpan.FromSeconds(60));

        // The rollout is over; a run that began while it was rolling out and failed is still the rollout's.
        var reason = await planned.ExplainAsync(PlatformProbes.Hermes, startedDuringRollout, CancellationToken.None);
        Assert.NotNull(reason);
        Assert.StartsWith($"{Service} is starting: ", reason.Message);
        // A run that began after it settled is not (the service is up, not parked): its failure stands.
        Assert.Null(await planned.ExplainAsync(PlatformProbes.Hermes, DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None));
    }

    [Fact]
    public async Task Scaling_zero_to_two_and_back_through_the_api_is_maintenance_and_parked_with_no_incident_and_no_uptime_lost()
    {
        await using var host = await DashboardHost.StartAsync(Settings());
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        using var http = host.CreateClient();
        var services = host.Get<ServiceStatusFeed>();
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.Hermes && e.Run.Outcome == ProbeOutcome.Parked);
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.CloudWatch);
        var before = await PlatformUptimeAsync(http);

        Assert.Equal(202, (int)(await http.PostAsJsonAsync($"api/services/{Service}/scale", new { desiredCount = 2 })).StatusCode);
        await services.WaitForAsync(s => s.Hermes() is { HealthyTargets: 2, Rollout: null, IsSteady: true }, TimeSpan.FromSeconds(30));
        var upAt = DateTimeOffset.UtcNow;
        await recorder.WaitForCompletionAsync(PlatformProbes.Hermes, match: e => e.Run.StartedAt > upAt && e.Run.Outcome == ProbeOutcome.Pass);
        Assert.Equal(202, (int)(await http.PostAsJsonAsync($"api/services/{Service}/scale", new { desiredCount = 0 })).StatusCode);
        await services.WaitForAsync(s => s.Hermes() is { IsParked: true, Rollout: null, Service.RunningCount: 0 }, TimeSpan.FromSeconds(30));
        var parkedAt = DateTimeOffset.UtcNow;
        await recorder.WaitForCompletionAsync(PlatformProbes.Hermes, match: e => e.Run.StartedAt > parkedAt && e.Run.Outcome == ProbeOutcome.Parked);
        var after = await PlatformUptimeAsync(http);

        var runs = recorder.Events.OfType<RunCompletedEvent>().Select(e => e.Run).ToList();
        var maintenance = runs.Where(r => r.Outcome == ProbeOutcome.Maintenance).ToList();
        Assert.NotEmpty(maintenance);
        Assert.All(maintenance, r => Assert.StartsWith($"{Service} is starting: ", r.Message));
        Assert.Contains(maintenance, r => r.ProbeId == PlatformProbes.Ecs && r.Message!.Contains("No task running"));
        Assert.DoesNotContain(runs, r => r.Outcome == ProbeOutcome.Fail);
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>("api/incidents")).GetArrayLength());
        Assert.Equal(1.0, before.GetProperty("uptime").GetDouble());
        Assert.Equal(1.0, after.GetProperty("uptime").GetDouble());
        Assert.True(after.GetProperty("maintenance").GetInt32() >= maintenance.Count);
    }

    [Fact]
    public async Task A_rollout_that_never_becomes_steady_within_the_rollout_timeout_is_a_failure_and_an_incident()
    {
        var settings = Settings();
        settings["Sandbox:TaskStartDelay"] = "00:05:00";
        settings["Scaling:RolloutTimeout"] = "00:00:03";
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var health = host.Get<ProbeHealthTracker>();
        using var http = host.CreateClient();
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.Ecs && e.Run.Outcome == ProbeOutcome.Parked);

        Assert.Equal(202, (int)(await http.PostAsJsonAsync($"api/services/{Service}/scale", new { desiredCount = 1 })).StatusCode);
        var planned = await recorder.WaitForCompletionAsync(PlatformProbes.Ecs, match: e => e.Run.Outcome == ProbeOutcome.Maintenance);
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents.Any(i => i.RootCause == PlatformProbes.Ecs), TimeSpan.FromSeconds(30));

        var failed = recorder.Events.OfType<RunCompletedEvent>().First(e => e.Run.ProbeId == PlatformProbes.Ecs && e.Run.Outcome == ProbeOutcome.Fail).Run;
        Assert.Contains("No task running (0/1 running, 1 pending)", failed.Message);
        Assert.True(failed.StartedAt > planned.Run.StartedAt);
        var incident = Assert.Single(await http.GetFromJsonAsync<JsonElement[]>("api/incidents") ?? []);
        Assert.Equal(PlatformProbes.Ecs, incident.GetProperty("rootCause").GetString());
        // ALB and Hermes health, which need the ECS service, are its affected probes, not incidents of their own.
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents.Single().Affected.Contains(PlatformProbes.Hermes), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Parking_a_service_ends_the_incident_open_on_it_and_a_probe_is_never_parked_and_down_at_once()
    {
        var settings = Settings();
        settings["Sandbox:InitialDesiredCount"] = "1";
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var health = host.Get<ProbeHealthTracker>();
        using var http = host.CreateClient();
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.Hermes && e.Run.Outcome == ProbeOutcome.Pass);
        host.Get<FaultInjector>().Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents.Count == 1 && health.HealthOf(PlatformProbes.Hermes) == ProbeHealth.Down, TimeSpan.FromSeconds(30));

        Assert.Equal(202, (int)(await http.PostAsJsonAsync($"api/services/{Service}/scale", new { desiredCount = 0 })).StatusCode);
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents.Count == 0, TimeSpan.FromSeconds(30));
        var parkedAt = DateTimeOffset.UtcNow;
        await recorder.WaitForCompletionAsync(PlatformProbes.Hermes, match: e => e.Run.StartedAt > parkedAt && e.Run.Outcome == ProbeOutcome.Parked);

        var incident = Assert.Single(await http.GetFromJsonAsync<JsonElement[]>("api/incidents") ?? []);
        Assert.Equal(IncidentBook.ParkedEndReason, incident.GetProperty("endReason").GetString());
        Assert.NotEqual(JsonValueKind.Null, incident.GetProperty("endedAt").ValueKind);
        Assert.All(recorder.Events.OfType<RunCompletedEvent>().Where(e => e.Run.Outcome is ProbeOutcome.Parked or ProbeOutcome.Maintenance),
            e => Assert.NotEqual(ProbeHealth.Down, e.Health));
    }

    private static async Task<JsonElement> PlatformUptimeAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("api/uptime")).GetProperty("windows")[0];
}
