using Webordinary.Dashboard.Probes.Audit;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Sessions;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Sessions;

internal static class SessionSettings
{
    public static void AddFlow(Dictionary<string, string?> settings, string id, string kind, params (string Key, string Value)[] options)
    {
        DashboardHost.AddProbe(settings, id, kind, timeout: "00:00:30");
        settings[$"Dashboard:Probes:{id}:ReadinessTimeout"] = "00:00:10";
        settings[$"Dashboard:Probes:{id}:ReadinessPollInterval"] = "00:00:00.050";
        settings[$"Dashboard:Probes:{id}:PersistenceDelay"] = "00:00:00.200";
        foreach (var (key, value) in options)
        {
            settings[$"Dashboard:Probes:{id}:{key}"] = value;
        }
    }

    public static int MarkedRows(DashboardHost host) =>
        host.Get<SandboxPlatform>().Items(host.Get<IOptions<AwsOptions>>().Value.SessionTable,
            item => item.TryGetValue("sessionId", out var id) && id is string text && text.StartsWith(HermesSessions.MarkerPrefix)).Count;
}

public sealed class SessionFlowHost : IAsyncLifetime
{
    public DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        SessionSettings.AddFlow(settings, "cold-start", ColdStartProbe.KindName);
        SessionSettings.AddFlow(settings, "cold-start-warm-up", ColdStartProbe.KindName, ("WarmUp", "true"));
        SessionSettings.AddFlow(settings, "cold-start-no-ttl", ColdStartProbe.KindName, ("SessionTtl", "00:00:00"));
        SessionSettings.AddFlow(settings, "persistence", PersistenceProbe.KindName);
        SessionSettings.AddFlow(settings, "concurrent", ConcurrentSessionsProbe.KindName);
        SessionSettings.AddFlow(settings, "routing", RoutingProbe.KindName);
        SessionSettings.AddFlow(settings, "janitor", SessionJanitorProbe.KindName);
        Host = await DashboardHost.StartAsync(settings);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The team's session scenarios against the sandbox: each passes, faults land on the right step, nothing is left behind.</summary>
public sealed class SessionFlowTests : IClassFixture<SessionFlowHost>, IAsyncLifetime
{
    private const string Hermes = "webordinary-hermes-service";
    private readonly DashboardHost _host;
    private readonly FaultInjector _faults;

    public SessionFlowTests(SessionFlowHost fixture)
    {
        _host = fixture.Host;
        _faults = _host.Get<FaultInjector>();
    }

    public async Task InitializeAsync()
    {
        _faults.ClearAll();
        var aws = _host.Get<IOptions<AwsOptions>>().Value;
        if (_host.Get<SandboxPlatform>().DescribeService(aws.Cluster, aws.Service).DesiredCount != 1)
        {
            _host.Get<SandboxPlatform>().UpdateDesiredCount(aws.Cluster, aws.Service, 1);
        }

        await _host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes() is { Service.RunningCount: 1, HealthyTargets: 1, Rollout: null } h && h.Targets!.Count == 1);
    }

    public Task DisposeAsync()
    {
        _faults.ClearAll();
        return Task.CompletedTask;
    }

    private static string TaskOf(string? detail) => detail is { } text && text.IndexOf("task ", StringComparison.Ordinal) is >= 0 and var at
        ? text[(at + 5)..]
        : throw new Xunit.Sdk.XunitException($"no task in '{detail}'");

    [Fact]
    public async Task Cold_start_passes_and_records_the_split()
    {
        var run = await _host.RunProbeAsync("cold-start");

        Assert.True(run.Outcome == ProbeOutcome.Pass, run.Message);
        Assert.Equal(["Hermes health via ALB", "Create session via API", "Verify session via API", "Invalid session id returns 404",
            "Verify session row in DynamoDB", "Wait for container readiness", "Delete session via API", "Delete session row in DynamoDB"],
            run.Steps.Select(s => s.Name));
        var metrics = run.Metrics!;
        Assert.True(metrics[ColdStartProbe.TaskRunningMetric] <= metrics[ColdStartProbe.FirstResponseMetric]);
        Assert.True(metrics[ColdStartProbe.TargetHealthyMetric] <= metrics[ColdStartProbe.FirstResponseMetric]);
        Assert.True(metrics.ContainsKey(ColdStartProbe.RowWrittenMetric));
        // What the flow found, not its last step's detail ("no row left").
        var task = TaskOf(run.Steps.Single(s => s.Name == "Create session via API").Detail)[..8];
        Assert.Equal($"session ready in {SessionFlow.Seconds(metrics[ColdStartProbe.FirstResponseMetric])}, served by task {task}, cleaned up", run.Message);
        Assert.Equal(0, SessionSettings.MarkedRows(_host));
    }

    [Fact]
    public async Task Hermes_down_fails_a_flow_with_a_message_that_says_it_once()
    {
        _faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));

        var run = await _host.RunProbeAsync("routing");

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        // The ALB's own 503 (no healthy target), not a contradiction such as "Hermes up: no answer…".
        Assert.Equal("Hermes reachable: no — GET /hermes/health: the ALB answered HTTP 503: no healthy target behind the ALB. The service is not parked.", run.Message);
    }

    [Fact]
    public async Task DynamoDB_down_names_hermes_own_503_and_its_reason_not_the_alb()
    {
        _faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));

        var run = await _host.RunProbeAsync("routing");

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        // Hermes answered (its health check passed): the session API's 503 is Hermes's, because its table is down.
        Assert.Equal(StepOutcome.Pass, run.Steps.Single(s => s.Name == "Hermes health via ALB").Outcome);
        Assert.StartsWith("Create session via API: POST /hermes/api/sessions: Hermes answered HTTP 503: Session table unavailable", run.Message);
        Assert.Contains("(a failure of what Hermes needs: DynamoDB)", run.Message);
        Assert.DoesNotContain("no healthy target", run.Message);
        Assert.Equal(503, run.Steps.Single(s => s.Name == "Create session via API").Failure!.HttpStatus);
    }

    [Fact]
    public async Task Hermes_down_takes_the_fallback_path_is_degraded_and_cleans_the_row()
    {
        _faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));

        var run = await _host.RunProbeAsync("cold-start");

        Assert.Equal(ProbeOutcome.Degraded, run.Outcome);
        Assert.Contains("fallback used", run.Message);
        Assert.Equal(StepOutcome.Degraded, run.Steps[0].Outcome);
        Assert.Equal(503, run.Steps[0].Failure!.HttpStatus);
        Assert.Contains(run.Steps, s => s.Name == "Create session row in DynamoDB (fallback)" && s.Outcome == StepOutcome.Pass);
        Assert.Contains(run.Steps, s => s.Name == "Delete session row in DynamoDB" && s.Outcome == StepOutcome.Pass);
        Assert.DoesNotContain(run.Steps, s => s.Name == "Wait for container readiness");
        Assert.Equal(0, SessionSettings.MarkedRows(_host));
    }

    [Fact]
    public async Task DynamoDb_down_fails_at_hermes_own_503_naming_the_table_and_cleanup_still_runs()
    {
        _faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));

        var run = await _host.RunProbeAsync("cold-start");

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        // Hermes keeps sessions in the table, so its API cannot create one: Hermes answered (it is reachable, no
        // fallback around it), and its reason names the table.
        var failed = run.Steps.First(s => s.Outcome == StepOutcome.Fail);
        Assert.Equal(("Create session via API", 503), (failed.Name, failed.Failure!.HttpStatus));
        Assert.Contains("Hermes answered HTTP 503: Session table unavailable", failed.Failure.Message);
        Assert.Contains("DynamoDB", failed.Failure.Message);
        Assert.Contains(run.Steps, s => s.Name == "Delete session row in DynamoDB");
        _faults.ClearAll();
        Assert.Equal(0, SessionSettings.MarkedRows(_host));
    }

    [Fact]
    public async Task Parked_service_is_parked_and_warm_up_scales_runs_and_parks_again()
    {
        var aws = _host.Get<IOptions<AwsOptions>>().Value;
        _host.Get<SandboxPlatform>().UpdateDesiredCount(aws.Cluster, aws.Service, 0);
        await _host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes() is { IsParked: true, Service.RunningCount: 0 } h && h.Targets!.Count == 0);

        var parked = await _host.RunProbeAsync("cold-start");
        var warm = await _host.RunProbeAsync("cold-start-warm-up");
        var after = await _host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes() is { Rollout: null } h && h.Service.DesiredCount == 0);

        Assert.Equal(ProbeOutcome.Parked, parked.Outcome);
        Assert.True(warm.Outcome == ProbeOutcome.Pass, warm.Message);
        Assert.Equal("Warm up: scale Hermes to 1", warm.Steps[1].Name);
        Assert.Equal("Park Hermes again", warm.Steps[^1].Name);
        Assert.Equal(StepOutcome.Pass, warm.Steps[^1].Outcome);
        // Start 300 ms + health check 200 ms: a real cold start, measured.
        Assert.True(warm.Metrics![ColdStartProbe.TargetHealthyMetric] >= 300, $"target healthy after {warm.Metrics[ColdStartProbe.TargetHealthyMetric]} ms");
        Assert.Equal(0, after.Hermes()!.Service.DesiredCount);
        var audit = await _host.Get<AuditLog>().ListAsync(new AuditQuery(10, Target: Hermes), CancellationToken.None);
        Assert.Contains(audit, e => e is { Scale: { Reason: ScaleReason.ProbeWarmUp, From: 0, To: 1 }, Actor.Via: "probe" });
        Assert.Contains(audit, e => e is { Scale: { Reason: ScaleReason.ProbeWarmUp, From: 1, To: 0 } });
        Assert.Equal(0, SessionSettings.MarkedRows(_host));
    }

    [Fact]
    public async Task Persistence_reads_state_back_unchanged_after_the_task_is_replaced()
    {
        var run = await _host.RunProbeAsync("persistence");

        Assert.True(run.Outcome == ProbeOutcome.Pass, run.Message);
        Assert.Contains(run.Steps, s => s.Name == "Replace the session's task" && s.Outcome == StepOutcome.Pass);
        var servedAgain = run.Steps.Single(s => s.Name == "Wait until another task serves the session");
        var created = run.Steps.Single(s => s.Name == "Create session via API");
        Assert.NotEqual(TaskOf(created.Detail), TaskOf(servedAgain.Detail));
        Assert.Equal("Read state back: unchanged", run.Steps.Single(s => s.Name.StartsWith("Read state")).Name);
        Assert.Equal($"state kept when the session moved from task {TaskOf(created.Detail)[..8]} to {TaskOf(servedAgain.Detail)[..8]}, cleaned up", run.Message);
        Assert.Equal(0, SessionSettings.MarkedRows(_host));
    }

    [Fact]
    public async Task Concurrent_sessions_all_succeed_hold_only_their_own_data_and_are_all_removed()
    {
        var run = await _host.RunProbeAsync("concurrent");

        Assert.True(run.Outcome == ProbeOutcome.Pass, run.Message);
        Assert.Contains("5/5 created", run.Steps.Single(s => s.Name == "Create 5 sessions in parallel").Detail);
        Assert.True(run.Metrics!["sessionP50Ms"] <= run.Metrics["sessionP95Ms"]);
        Assert.Equal($"5 sessions at once, each with only its own data, p95 {run.Metrics["sessionP95Ms"]:0} ms, cleaned up", run.Message);
        Assert.Equal(0, SessionSettings.MarkedRows(_host));
    }

    [Fact]
    public async Task Routing_reaches_the_sessions_task_and_an_unknown_route_is_404()
    {
        var run = await _host.RunProbeAsync("routing");

        Assert.True(run.Outcome == ProbeOutcome.Pass, run.Message);
        Assert.Contains("served by task", run.Steps.Single(s => s.Name == "Session route reaches its session").Detail);
        Assert.Equal("HTTP 404", run.Steps.Single(s => s.Name == "Unknown route gives 404").Detail);
        var task = TaskOf(run.Steps.Single(s => s.Name == "Session route reaches its session").Detail)[..8];
        Assert.Equal($"session route reaches its session on task {task}, unknown routes answer 404, cleaned up", run.Message);
        Assert.Equal(0, SessionSettings.MarkedRows(_host));
    }

    [Fact]
    public async Task A_run_cancelled_mid_flow_whose_cleanup_cannot_reach_anything_leaves_a_marked_session_the_janitor_removes()
    {
        using var cancel = new CancellationTokenSource();
        // Hermes down: the session row goes straight into DynamoDB. As soon as it is written, the run is cancelled
        // and DynamoDB goes away too, so the run's cleanup cannot remove it (the handler runs before the next step).
        _faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));
        using var trap = _host.Get<ProbeStatusFeed>().Subscribe(e =>
        {
            if (e is StepCompletedEvent { Step.Name: "Create session row in DynamoDB (fallback)" } && e.Run.ProbeId == "cold-start-no-ttl")
            {
                _faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
                cancel.Cancel();
            }
        });
        Assert.True(_host.Get<ProbeCatalog>().TryGet("cold-start-no-ttl", out var definition, out var probe));

        var run = await _host.Get<ProbeRunner>().RunAsync(probe, definition.Settings, ProbeRun.NewId(), RunTrigger.Manual, cancel.Token);
        _faults.ClearAll();
        var leftover = Assert.Single(_host.Get<SandboxPlatform>().Items(_host.Get<IOptions<AwsOptions>>().Value.SessionTable,
            i => i["sessionId"] is string id && id.StartsWith(HermesSessions.MarkerPrefix)));

        var janitor = await _host.RunProbeAsync("janitor");
        var again = await _host.RunProbeAsync("janitor");

        // Cancelled by the dashboard stopping: Interrupted, not a failure of the platform; the failed cleanup is on its step.
        Assert.Equal(ProbeOutcome.Interrupted, run.Outcome);
        Assert.Contains(run.Steps, s => s.Name == "Delete session row in DynamoDB" && s.Outcome == StepOutcome.Fail);
        Assert.Equal(ProbeOutcome.Degraded, janitor.Outcome);
        Assert.Contains((string)leftover["sessionId"], janitor.Message);
        Assert.Equal(0, SessionSettings.MarkedRows(_host));
        Assert.Equal(ProbeOutcome.Pass, again.Outcome);
        Assert.Equal("No leftover probe sessions.", again.Message);
    }
}
