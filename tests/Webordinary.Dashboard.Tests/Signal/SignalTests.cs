using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Signal;

/// <summary>A signal the team can trust: a healthy sandbox is green, one problem is one incident, recovery shows in seconds.</summary>
public sealed class SignalTests
{
    [Fact]
    public async Task A_fault_free_sandbox_at_compressed_schedules_fails_nothing_opens_no_incident_and_has_full_uptime()
    {
        var settings = DashboardHost.BaseSettings();
        // Task start and health checks in proportion to the shipped 6 s + 3 s, so persistence's task replacement takes
        // a real rolling deployment's time while the other probes run against Hermes.
        settings["Sandbox:TaskStartDelay"] = "00:00:01";
        settings["Sandbox:HealthCheckDelay"] = "00:00:00.500";
        settings["Sandbox:DrainDelay"] = "00:00:00.500";
        PlatformProbes.Add(settings, interval: "00:00:02", persistenceInterval: "00:00:10");
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());

        // Six task replacements by the persistence probe, a minute of every probe at 2–4 s around them.
        await recorder.WaitForAsync<RunCompletedEvent>(_ => Count(recorder, PlatformProbes.Persistence) >= 6, TimeSpan.FromMinutes(4));
        using var http = host.CreateClient();
        var incidents = await http.GetFromJsonAsync<JsonElement>("api/incidents");
        var uptime = await http.GetFromJsonAsync<JsonElement>("api/uptime");

        var runs = recorder.Events.OfType<RunCompletedEvent>().Select(e => e.Run).ToList();
        Assert.All(runs, run => Assert.True(run.Outcome == ProbeOutcome.Pass, $"{run.ProbeId} {run.Trigger} at {run.StartedAt:HH:mm:ss.fff}: {run.Outcome}: {run.Message}"));
        Assert.All(PlatformProbes.SessionFlows.Append(PlatformProbes.Hermes), probe => Assert.True(Count(recorder, probe) >= 6, $"{probe} ran {Count(recorder, probe)} times"));
        Assert.Equal(0, incidents.GetArrayLength());
        var day = uptime.GetProperty("windows")[0];
        Assert.Equal(1.0, day.GetProperty("uptime").GetDouble());
        Assert.Equal(0, day.GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task The_session_table_down_is_one_incident_with_the_flows_affected_and_hermes_down_too_is_a_second_root_cause()
    {
        var settings = DashboardHost.BaseSettings();
        PlatformProbes.Add(settings, interval: "00:00:01", persistenceInterval: "00:01:00",
            only: string.Join(',', PlatformProbes.Ecs, PlatformProbes.Alb, PlatformProbes.Hermes, PlatformProbes.Dynamo, PlatformProbes.Routing, PlatformProbes.Concurrent));
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var health = host.Get<ProbeHealthTracker>();
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.Routing && e.Run.Outcome == ProbeOutcome.Pass);
        var faults = host.Get<FaultInjector>();
        using var http = host.CreateClient();

        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents is [{ } only]
            && only.RootCause == PlatformProbes.Dynamo && only.Affected.Count == 2, TimeSpan.FromSeconds(60));
        var one = await OpenIncidentsAsync(http);

        var table = Assert.Single(one);
        Assert.Equal(PlatformProbes.Dynamo, table.GetProperty("rootCause").GetString());
        Assert.Equal([PlatformProbes.Concurrent, PlatformProbes.Routing], table.GetProperty("affectedProbes").EnumerateArray().Select(p => p.GetString()).Order());
        Assert.Contains("ServiceUnavailable", table.GetProperty("reason").GetString());

        // Hermes failing its health checks: the ALB has no healthy target, and what needs the ALB (Hermes health through
        // it, the flows) is caused by that (hermes-health → alb-target-health → ecs-hermes-service).
        faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents.FirstOrDefault(i => i.RootCause == PlatformProbes.Alb) is { } alb
            && alb.Affected.Contains(PlatformProbes.Hermes), TimeSpan.FromSeconds(60));
        var two = await OpenIncidentsAsync(http);

        Assert.Equal([PlatformProbes.Alb, PlatformProbes.Dynamo], two.Select(i => i.GetProperty("rootCause").GetString()).Order());
        var albIncident = two.Single(i => i.GetProperty("rootCause").GetString() == PlatformProbes.Alb);
        Assert.Contains("Target.FailedHealthChecks", albIncident.GetProperty("reason").GetString());
        Assert.Equal(ProbeHealth.Down, health.HealthOf(PlatformProbes.Routing));
        Assert.Null(health.OpenIncidents.FirstOrDefault(i => i.RootCause is PlatformProbes.Routing or PlatformProbes.Concurrent or PlatformProbes.Hermes));

        faults.ClearAll();
        await recorder.WaitForAsync<RunCompletedEvent>(_ => health.OpenIncidents.Count == 0, TimeSpan.FromSeconds(60));
        Assert.Empty(await OpenIncidentsAsync(http));
    }

    [Fact]
    public async Task A_cleared_fault_turns_a_down_probe_and_a_session_flow_green_within_the_recovery_interval()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Dashboard:RunNowCooldown"] = "00:00:00";
        foreach (var (id, kind) in new[] { (PlatformProbes.Hermes, "HermesHealth"), (PlatformProbes.Routing, "SessionRouting") })
        {
            // Scheduled once an hour: only the recovery re-check can bring them back within seconds.
            DashboardHost.AddProbe(settings, id, kind, interval: "01:00:00", timeout: "00:00:03");
            settings[$"Dashboard:Probes:{id}:RecoveryInterval"] = "00:00:03";
        }

        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.Routing);
        var faults = host.Get<FaultInjector>();

        faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));
        foreach (var probe in new[] { PlatformProbes.Hermes, PlatformProbes.Routing })
        {
            await host.Get<IProbeTriggers>().RunNowAsync(probe, CancellationToken.None);
        }

        foreach (var probe in new[] { PlatformProbes.Hermes, PlatformProbes.Routing })
        {
            await recorder.WaitForCompletionAsync(probe, match: e => e.Health == ProbeHealth.Down);
        }

        var cleared = Stopwatch.StartNew();
        var clearedAt = DateTimeOffset.UtcNow;
        faults.Set(SandboxComponents.Hermes, FaultSetting.None);

        foreach (var probe in new[] { PlatformProbes.Hermes, PlatformProbes.Routing })
        {
            // Nothing passes while the fault is on: the first pass to end after the clear is the recovery (a recheck
            // already under way may have started a moment before it).
            var green = await recorder.WaitForCompletionAsync(probe, TimeSpan.FromSeconds(30), e => e.Run.EndedAt > clearedAt && e.Run.Outcome == ProbeOutcome.Pass);
            // Run again by the dashboard: a recheck, or the confirmation of a first failure still queued at the clear.
            Assert.Contains(green.Run.Trigger, new[] { RunTrigger.Recheck, RunTrigger.Confirm });
            Assert.Equal(ProbeHealth.Up, green.Health);
            // Re-run within the recovery interval (3 s, + 2 s for a loaded scheduler) of its last failure, not its hour.
            var lastFailure = recorder.Events.OfType<RunCompletedEvent>().Select(e => e.Run)
                .Where(r => r.ProbeId == probe && r.Outcome == ProbeOutcome.Fail && r.EndedAt <= green.Run.StartedAt).Max(r => r.EndedAt!.Value);
            Assert.True(green.Run.StartedAt - lastFailure <= TimeSpan.FromSeconds(5),
                $"{probe} re-run {green.Run.StartedAt - lastFailure} after its last failure; runs: {RunsSince(recorder, clearedAt - TimeSpan.FromSeconds(4), clearedAt)}");
        }

        Assert.True(cleared.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Clearing_a_sandbox_fault_reruns_at_once_the_probes_it_affected()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Sandbox:RecheckOnClear"] = "true";
        settings["Dashboard:RunNowCooldown"] = "00:00:00";
        PlatformProbes.Add(settings, interval: "01:00:00", persistenceInterval: "01:00:00", only: string.Join(',', PlatformProbes.Dynamo, PlatformProbes.Routing, PlatformProbes.CloudWatch));
        // Re-checked a minute after a failure at the earliest: a green run within seconds is the clear's doing.
        foreach (var probe in new[] { PlatformProbes.Dynamo, PlatformProbes.Routing })
        {
            settings[$"Dashboard:Probes:{probe}:RecoveryInterval"] = "00:01:00";
        }

        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        await recorder.WaitForAsync<RunCompletedEvent>(_ => Count(recorder, PlatformProbes.Routing) >= 1 && Count(recorder, PlatformProbes.CloudWatch) >= 1);
        var faults = host.Get<FaultInjector>();
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        await host.Get<IProbeTriggers>().RunNowAsync(PlatformProbes.Dynamo, CancellationToken.None);
        await host.Get<IProbeTriggers>().RunNowAsync(PlatformProbes.Routing, CancellationToken.None);
        foreach (var probe in new[] { PlatformProbes.Dynamo, PlatformProbes.Routing })
        {
            await recorder.WaitForCompletionAsync(probe, match: e => e.Health == ProbeHealth.Down);
            // The confirmation of its first failure is done too: a pass after the clear is then the clear's re-run.
            await recorder.WaitForCompletionAsync(probe, match: e => e.Run.Trigger == RunTrigger.Confirm);
        }

        var clearedAt = DateTimeOffset.UtcNow;
        var cloudWatchRuns = Count(recorder, PlatformProbes.CloudWatch);

        faults.ClearAll();

        foreach (var probe in new[] { PlatformProbes.Dynamo, PlatformProbes.Routing })
        {
            var rerun = await recorder.WaitForCompletionAsync(probe, TimeSpan.FromSeconds(20), e => e.Run.StartedAt >= clearedAt && e.Run.Outcome == ProbeOutcome.Pass);
            Assert.Equal(RunTrigger.Recheck, rerun.Run.Trigger);
        }

        // CloudWatch was not affected: not re-run.
        Assert.Equal(cloudWatchRuns, Count(recorder, PlatformProbes.CloudWatch));
    }

    [Fact]
    public async Task Injecting_a_sandbox_fault_reruns_at_once_the_probes_it_affects()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Sandbox:RecheckOnInject"] = "true";
        // Hourly: a run within seconds of the injection is the injection's doing.
        PlatformProbes.Add(settings, interval: "01:00:00", persistenceInterval: "01:00:00", only: string.Join(',', PlatformProbes.Dynamo, PlatformProbes.Routing, PlatformProbes.CloudWatch));
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        await recorder.WaitForAsync<RunCompletedEvent>(_ => Count(recorder, PlatformProbes.Dynamo) >= 1 && Count(recorder, PlatformProbes.Routing) >= 1
            && Count(recorder, PlatformProbes.CloudWatch) >= 1);
        var cloudWatchRuns = Count(recorder, PlatformProbes.CloudWatch);
        var injectedAt = DateTimeOffset.UtcNow;

        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));

        // The table's own probe and the flow that needs it, each re-run by the injection and failing on it.
        foreach (var probe in new[] { PlatformProbes.Dynamo, PlatformProbes.Routing })
        {
            var rerun = await recorder.WaitForCompletionAsync(probe, TimeSpan.FromSeconds(20), e => e.Run.StartedAt >= injectedAt);
            Assert.Equal((RunTrigger.Recheck, ProbeOutcome.Fail), (rerun.Run.Trigger, rerun.Run.Outcome));
        }

        // CloudWatch does not involve DynamoDB: not re-run.
        Assert.Equal(cloudWatchRuns, Count(recorder, PlatformProbes.CloudWatch));
    }

    private static async Task<List<JsonElement>> OpenIncidentsAsync(HttpClient http) =>
        [.. (await http.GetFromJsonAsync<JsonElement>("api/incidents")).EnumerateArray().Where(i => i.GetProperty("endedAt").ValueKind == JsonValueKind.Null)];

    private static int Count(FeedRecorder recorder, string probeId) =>
        recorder.Events.OfType<RunCompletedEvent>().Count(e => e.Run.ProbeId == probeId);

    /// <summary>Each run as "probe trigger +start..+end outcome" relative to <paramref name="origin"/>, for a failure's message.</summary>
    private static string RunsSince(FeedRecorder recorder, DateTimeOffset from, DateTimeOffset origin) => string.Join("; ",
        recorder.Events.OfType<RunCompletedEvent>().Select(e => e.Run).Where(r => r.StartedAt >= from).OrderBy(r => r.StartedAt)
            .Select(r => $"{r.ProbeId} {r.Trigger} {(r.StartedAt - origin).TotalSeconds:+0.000;-0.000}..{(r.EndedAt!.Value - origin).TotalSeconds:+0.000;-0.000} {r.Outcome}"));
}
