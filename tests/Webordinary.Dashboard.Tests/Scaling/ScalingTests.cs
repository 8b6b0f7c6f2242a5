using Quartz;
using Webordinary.Dashboard.Probes.Audit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Scaling;

/// <summary>Scale controls against the sandbox: rollouts watched to steady state and timed, guardrails, audit, schedules.</summary>
public sealed class ScalingTests
{
    private const string Hermes = "webordinary-hermes-service";

    private static Dictionary<string, string?> Settings(int initialDesired = 1)
    {
        var settings = DashboardHost.BaseSettings();
        settings["Sandbox:InitialDesiredCount"] = initialDesired.ToString();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName);
        DashboardHost.AddProbe(settings, "cloudwatch", CloudWatchHeartbeatProbe.KindName);
        return settings;
    }

    [Fact]
    public async Task Scaling_up_from_zero_rises_through_pending_and_healthy_targets_and_stores_the_rollout_time()
    {
        var settings = Settings(initialDesired: 0);
        // A task start long enough for several 100 ms rollout polls to see it on a busy machine.
        settings["Sandbox:TaskStartDelay"] = "00:00:01.500";
        await using var host = await DashboardHost.StartAsync(settings);
        var feed = host.Get<ServiceStatusFeed>();
        await feed.WaitForAsync(s => s.Hermes() is { IsParked: true });
        var phases = new List<string>();
        using var watch = feed.Subscribe(s => { if (s.Hermes()?.Rollout is { } r) { lock (phases) { phases.Add(r.Phase); } } });

        var result = await host.Get<ServiceScaler>().RequestAsync(Hermes, 1, ScaleReason.Manual, Actor.Local, CancellationToken.None);
        var steady = await feed.WaitForAsync(s => s.Hermes() is { Service.RunningCount: 1, HealthyTargets: 1, Rollout: null });

        Assert.Equal(ScaleRequestStatus.Accepted, result.Status);
        Assert.Equal((0, 1), (result.From, result.To));
        Assert.True(steady.Hermes()!.IsSteady);
        Assert.Equal(["RUNNING"], (await host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes()?.Tasks is { Count: 1 })).Hermes()!.Tasks!.Select(t => t.LastStatus));
        lock (phases)
        {
            Assert.Contains(phases, p => p.StartsWith("Starting:"));
        }

        var entry = Assert.Single(await host.Get<AuditLog>().ListAsync(new AuditQuery(10, Target: Hermes), CancellationToken.None));
        Assert.Equal(result.AuditId, entry.Id);
        Assert.Equal((AuditAction.Scale, nameof(ScaleOutcome.Completed)), (entry.Action, entry.Outcome));
        Assert.Equal((Actor.Local, ScaleReason.Manual, 0, 1), (entry.Actor, entry.Scale!.Reason, entry.Scale.From, entry.Scale.To));
        // Start delay 1.5 s + health check delay 200 ms: the rollout cannot have been faster.
        Assert.InRange(entry.Scale.RolloutMs!.Value, 1_700, 15_000);
    }

    [Fact]
    public async Task Scaling_to_zero_parks_the_dependent_probes_instead_of_failing_them()
    {
        await using var host = await DashboardHost.StartAsync(Settings());
        var feed = host.Get<ServiceStatusFeed>();

        var result = await host.Get<ServiceScaler>().RequestAsync(Hermes, 0, ScaleReason.Manual, Actor.Local, CancellationToken.None);
        await feed.WaitForAsync(s => s.Hermes() is { IsParked: true, Rollout: null, Service.RunningCount: 0 } h && h.Targets!.Count == 0);

        Assert.Equal(ScaleRequestStatus.Accepted, result.Status);
        Assert.Equal(ProbeOutcome.Parked, (await host.RunProbeAsync("ecs")).Outcome);
        Assert.Equal(ProbeOutcome.Parked, (await host.RunProbeAsync("hermes")).Outcome);
        Assert.Equal(ProbeOutcome.Pass, (await host.RunProbeAsync("cloudwatch")).Outcome);
    }

    [Fact]
    public async Task Api_guardrails_answer_403_400_409_and_404_with_problem_details()
    {
        var settings = Settings();
        settings["Sandbox:TaskStartDelay"] = "00:01:00";
        settings["Scaling:Services:no-such-service:MaxDesiredCount"] = "1";
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();

        var notAllowed = await ScaleAsync(http, SandboxPlatform.WorkerServiceName, 2);
        var aboveMax = await ScaleAsync(http, Hermes, 3);
        var negative = await ScaleAsync(http, Hermes, -1);
        var badBody = await http.PostAsync($"api/services/{Hermes}/scale", new StringContent("""{"desiredCount":"two"}""", System.Text.Encoding.UTF8, "application/json"));
        var unknown = await ScaleAsync(http, "no-such-service", 1);
        var accepted = await ScaleAsync(http, Hermes, 2);
        var inFlight = await ScaleAsync(http, Hermes, 1);
        var workerState = await host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Find(SandboxPlatform.WorkerServiceName) is not null);

        await AssertProblemAsync(notAllowed, HttpStatusCode.Forbidden, "Scaling:Services");
        await AssertProblemAsync(aboveMax, HttpStatusCode.BadRequest, "between 0 and 2");
        await AssertProblemAsync(negative, HttpStatusCode.BadRequest, "between 0 and 2");
        await AssertProblemAsync(badBody, HttpStatusCode.BadRequest, "desiredCount");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "no-such-service");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await AssertProblemAsync(inFlight, HttpStatusCode.Conflict, "in flight");
        Assert.Equal(1, workerState.Find(SandboxPlatform.WorkerServiceName)!.Service.DesiredCount);
        Assert.False(workerState.Find(SandboxPlatform.WorkerServiceName)!.Scalable);
    }

    [Fact]
    public async Task Asking_for_the_current_count_is_accepted_as_no_change_and_not_audited()
    {
        await using var host = await DashboardHost.StartAsync(Settings());
        using var http = host.CreateClient();

        var response = await ScaleAsync(http, Hermes, 1);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("noChange").GetBoolean());
        Assert.Empty(await host.Get<AuditLog>().ListAsync(new AuditQuery(10), CancellationToken.None));
    }

    [Fact]
    public async Task Audit_log_survives_a_restart_and_is_served_by_the_api()
    {
        var contentRoot = Directory.CreateTempSubdirectory("audit-test-").FullName;
        string auditId;
        await using (var first = await DashboardHost.StartAsync(Settings(), contentRoot))
        {
            var result = await first.Get<ServiceScaler>().RequestAsync(Hermes, 2, ScaleReason.Manual, Actor.Local, CancellationToken.None);
            await first.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes() is { Service.RunningCount: 2, HealthyTargets: 2, Rollout: null });
            auditId = result.AuditId!;
        }

        await using var second = await DashboardHost.StartAsync(Settings(), contentRoot);
        using var http = second.CreateClient();
        var audit = await http.GetFromJsonAsync<JsonElement>("api/audit");

        var entry = audit.EnumerateArray().Single(e => e.GetProperty("id").GetString() == auditId);
        Assert.Equal("Completed", entry.GetProperty("outcome").GetString());
        Assert.Equal(1, entry.GetProperty("from").GetInt32());
        Assert.Equal(2, entry.GetProperty("to").GetInt32());
        Assert.Equal("Manual", entry.GetProperty("reason").GetString());
        Assert.True(entry.GetProperty("rolloutMs").GetDouble() > 0);
        await AssertProblemAsync(await http.GetAsync("api/audit?limit=0"), HttpStatusCode.BadRequest, "limit");
    }

    [Fact]
    public async Task Schedules_fire_scale_and_are_audited_and_a_paused_one_stays_paused_across_a_restart()
    {
        var contentRoot = Directory.CreateTempSubdirectory("schedule-test-").FullName;
        var settings = Settings();
        settings["Scaling:Schedules:park-now:Service"] = Hermes;
        settings["Scaling:Schedules:park-now:Cron"] = "0/1 * * * * ?";
        settings["Scaling:Schedules:park-now:DesiredCount"] = "0";
        settings["Scaling:Schedules:warm-later:Service"] = Hermes;
        settings["Scaling:Schedules:warm-later:Cron"] = "0 0 8 ? * MON-FRI";
        settings["Scaling:Schedules:warm-later:DesiredCount"] = "1";
        await using (var host = await DashboardHost.StartAsync(settings, contentRoot))
        {
            await host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes() is { IsParked: true, Rollout: null, Service.RunningCount: 0 });
            var schedules = host.Get<ScaleSchedules>();
            Assert.True(await schedules.SetPausedAsync("park-now", paused: true, CancellationToken.None));
            var listed = await schedules.ListAsync(CancellationToken.None);

            // Firing every second, a later fire may meet the first change still in flight: that one is audited as Refused.
            var entries = await host.Get<AuditLog>().ListAsync(new AuditQuery(10, Target: Hermes), CancellationToken.None);
            var entry = Assert.Single(entries, e => e.Outcome == nameof(ScaleOutcome.Completed));
            Assert.Equal((Actor.Schedule("park-now"), ScaleReason.Schedule, 1, 0), (entry.Actor, entry.Scale!.Reason, entry.Scale.From, entry.Scale.To));
            Assert.All(entries.Where(e => e != entry), e => Assert.Equal((nameof(ScaleOutcome.Refused), "schedule:park-now"), (e.Outcome, e.Actor.Id)));
            Assert.True(listed.Single(s => s.Name == "park-now").Paused);
            Assert.Null(listed.Single(s => s.Name == "park-now").NextFireAt);
            var warm = listed.Single(s => s.Name == "warm-later");
            Assert.False(warm.Paused);
            Assert.Equal(8, warm.NextFireAt!.Value.UtcDateTime.Hour);
        }

        await using var restarted = await DashboardHost.StartAsync(settings, contentRoot);
        Assert.True((await restarted.Get<ScaleSchedules>().ListAsync(CancellationToken.None)).Single(s => s.Name == "park-now").Paused);
    }

    [Fact]
    public async Task Parking_turns_the_probes_that_need_the_service_parked_at_once_and_warming_re_runs_them()
    {
        var settings = DashboardHost.BaseSettings();
        // Hourly: a run within seconds of the change is the change's doing, not a schedule's.
        PlatformProbes.Add(settings, interval: "01:00:00", persistenceInterval: "01:00:00",
            only: string.Join(',', PlatformProbes.Ecs, PlatformProbes.Alb, PlatformProbes.Hermes, PlatformProbes.Routing, PlatformProbes.CloudWatch));
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<Webordinary.Dashboard.Probes.Feed.ProbeStatusFeed>());
        foreach (var probe in new[] { PlatformProbes.Ecs, PlatformProbes.Hermes, PlatformProbes.Routing, PlatformProbes.CloudWatch })
        {
            await recorder.WaitForCompletionAsync(probe, match: e => e.Run.Outcome == ProbeOutcome.Pass);
        }

        var cloudWatchRuns = recorder.Events.OfType<Webordinary.Dashboard.Probes.Feed.RunCompletedEvent>().Count(e => e.Run.ProbeId == PlatformProbes.CloudWatch);
        var parkedAt = DateTimeOffset.UtcNow;
        await host.Get<ServiceScaler>().RequestAsync(Hermes, 0, ScaleReason.Manual, Actor.Local, CancellationToken.None);

        // Re-run by the parking itself (a recheck), not by their hourly schedule: Parked, not their last green.
        foreach (var probe in new[] { PlatformProbes.Ecs, PlatformProbes.Hermes, PlatformProbes.Routing })
        {
            var parked = await recorder.WaitForCompletionAsync(probe, TimeSpan.FromSeconds(30), e => e.Run.StartedAt >= parkedAt && e.Run.Outcome == ProbeOutcome.Parked);
            Assert.Equal(RunTrigger.Recheck, parked.Run.Trigger);
        }

        var warmedAt = DateTimeOffset.UtcNow;
        await host.Get<ServiceScaler>().RequestAsync(Hermes, 1, ScaleReason.Manual, Actor.Local, CancellationToken.None);

        // Once it is steady again, the flow is re-run and passes.
        var warm = await recorder.WaitForCompletionAsync(PlatformProbes.Routing, TimeSpan.FromSeconds(30), e => e.Run.StartedAt >= warmedAt && e.Run.Outcome == ProbeOutcome.Pass);
        Assert.Equal(RunTrigger.Recheck, warm.Run.Trigger);
        // CloudWatch does not need the service: never re-run.
        Assert.Equal(cloudWatchRuns, recorder.Events.OfType<Webordinary.Dashboard.Probes.Feed.RunCompletedEvent>().Count(e => e.Run.ProbeId == PlatformProbes.CloudWatch));
    }

    [Fact]
    public async Task A_fresh_start_with_the_shipped_configuration_has_no_active_scale_schedule()
    {
        // The shipped appsettings.json as the content root's own, as `dotnet run` and the container read it.
        var contentRoot = Directory.CreateTempSubdirectory("shipped-config-").FullName;
        var shipped = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        File.Copy(shipped, Path.Combine(contentRoot, "appsettings.json"));
        var json = JsonDocument.Parse(await File.ReadAllTextAsync(shipped)).RootElement;
        var shippedSchedules = json.GetProperty("Scaling").GetProperty("Schedules").EnumerateObject().Select(p => p.Name).ToList();
        Assert.NotEmpty(shippedSchedules);
        var settings = DashboardHost.BaseSettings();
        // Only the schedules are under test: the shipped probes stay listed but do not run.
        foreach (var probe in json.GetProperty("Dashboard").GetProperty("Probes").EnumerateObject())
        {
            settings[$"Dashboard:Probes:{probe.Name}:Enabled"] = "false";
        }

        await using var host = await DashboardHost.StartAsync(settings, contentRoot);

        var listed = await host.Get<ScaleSchedules>().ListAsync(CancellationToken.None);
        Assert.Equal(shippedSchedules.Order(), listed.Select(s => s.Name).Order());
        Assert.All(listed, s => Assert.Equal((false, (DateTimeOffset?)null), (s.Enabled, s.NextFireAt)));
        var scheduler = await host.Get<ISchedulerFactory>().GetScheduler();
        foreach (var name in shippedSchedules)
        {
            Assert.Empty(await scheduler.GetTriggersOfJob(ScaleScheduleJob.KeyFor(name)));
        }
        using var http = host.CreateClient();
        var dtos = await http.GetFromJsonAsync<JsonElement>("api/schedules");
        Assert.All(dtos.EnumerateArray(), d => Assert.False(d.GetProperty("enabled").GetBoolean()));
        // Pausing a schedule that never fires is refused, saying how to turn it on.
        await AssertProblemAsync(await http.PostAsync($"api/schedules/{shippedSchedules[0]}/pause", null), HttpStatusCode.Conflict, $"Scaling:Schedules:{shippedSchedules[0]}:Enabled");
    }

    [Fact]
    public async Task Schedule_naming_a_service_off_the_allow_list_stops_start_up_naming_the_key()
    {
        var settings = Settings();
        settings["Scaling:Schedules:rogue:Service"] = SandboxPlatform.WorkerServiceName;
        settings["Scaling:Schedules:rogue:Cron"] = "0 0 20 ? * MON-FRI";

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        Assert.Contains("Scaling:Schedules:rogue:Service", Webordinary.Dashboard.Hosting.ConfigurationErrors.Describe(exception));
    }

    private static Task<HttpResponseMessage> ScaleAsync(HttpClient http, string service, int desiredCount) =>
        http.PostAsJsonAsync($"api/services/{service}/scale", new { desiredCount });

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
