using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Probes;

public sealed class SandboxPlatformHost : IAsyncLifetime
{
    public const string Ecs = "ecs";
    public const string Dynamo = "dynamo";
    public const string CloudWatch = "cloudwatch";
    public const string Alb = "alb";
    public const string Hermes = "hermes";
    public const string SlowHermes = "hermes-slow-threshold";
    public const string ShortTimeoutHermes = "hermes-short-timeout";

    public DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, Ecs, EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, Dynamo, DynamoDbTableProbe.KindName);
        DashboardHost.AddProbe(settings, CloudWatch, CloudWatchHeartbeatProbe.KindName);
        DashboardHost.AddProbe(settings, Alb, AlbTargetHealthProbe.KindName);
        DashboardHost.AddProbe(settings, Hermes, HermesHealthProbe.KindName);
        DashboardHost.AddProbe(settings, ShortTimeoutHermes, HermesHealthProbe.KindName, timeout: "00:00:01");
        DashboardHost.AddProbe(settings, SlowHermes, HermesHealthProbe.KindName, timeout: "00:00:05", slowThreshold: "00:00:00.250");
        Host = await DashboardHost.StartAsync(settings);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Each connectivity probe against the sandbox: passes when healthy, fails at the right step with the right reason under each fault.</summary>
public sealed class SandboxProbeTests : IClassFixture<SandboxPlatformHost>, IAsyncLifetime
{
    private readonly DashboardHost _host;
    private readonly FaultInjector _faults;

    public SandboxProbeTests(SandboxPlatformHost fixture)
    {
        _host = fixture.Host;
        _faults = _host.Get<FaultInjector>();
    }

    public async Task InitializeAsync()
    {
        _faults.ClearAll();
        await SetDesiredCountAsync(1);
        await WaitUntilHealthyAsync();
        await SeenByTheMonitorAsync(h => h.Service is { DesiredCount: 1, RunningCount: 1 });
    }

    public Task DisposeAsync()
    {
        _faults.ClearAll();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(SandboxPlatformHost.Ecs, "Describe cluster", "Describe service")]
    [InlineData(SandboxPlatformHost.Dynamo, "Describe table", "Put probe item", "Get probe item", "Delete probe item")]
    [InlineData(SandboxPlatformHost.CloudWatch, "Put heartbeat metric")]
    [InlineData(SandboxPlatformHost.Alb, "Describe target health")]
    [InlineData(SandboxPlatformHost.Hermes, "GET /hermes/health via ALB")]
    public async Task Probe_passes_on_a_healthy_sandbox_with_every_step_recorded(string probeId, params string[] steps)
    {
        var run = await _host.RunProbeAsync(probeId);

        Assert.Equal(ProbeOutcome.Pass, run.Outcome);
        Assert.Equal(steps, run.Steps.Select(s => s.Name));
        Assert.All(run.Steps, s => Assert.Equal(StepOutcome.Pass, s.Outcome));
        Assert.All(run.Steps, s => Assert.True(s.DurationMs >= 0));
    }

    [Theory]
    [InlineData(SandboxComponents.Ecs, "down", SandboxPlatformHost.Ecs, "Describe cluster", "ServiceUnavailable", 503)]
    [InlineData(SandboxComponents.Ecs, "throttle", SandboxPlatformHost.Ecs, "Describe cluster", "ThrottlingException", 400)]
    [InlineData(SandboxComponents.Ecs, "errors", SandboxPlatformHost.Ecs, "Describe cluster", "ServerException", 500)]
    [InlineData(SandboxComponents.DynamoDb, "down", SandboxPlatformHost.Dynamo, "Describe table", "ServiceUnavailable", 503)]
    [InlineData(SandboxComponents.DynamoDb, "errors", SandboxPlatformHost.Dynamo, "Describe table", "InternalServerError", 500)]
    [InlineData(SandboxComponents.CloudWatch, "throttle", SandboxPlatformHost.CloudWatch, "Put heartbeat metric", "Throttling", 400)]
    [InlineData(SandboxComponents.CloudWatch, "down", SandboxPlatformHost.CloudWatch, "Put heartbeat metric", "ServiceUnavailable", 503)]
    [InlineData(SandboxComponents.Alb, "down", SandboxPlatformHost.Alb, "Describe target health", "ServiceUnavailable", 503)]
    public async Task Aws_fault_fails_the_probe_at_the_right_step_with_code_status_and_request_id(
        string component, string mode, string probeId, string failedStep, string errorCode, int httpStatus)
    {
        _faults.Set(component, Fault(mode));

        var run = await _host.RunProbeAsync(probeId);

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        var step = Assert.Single(run.Steps, s => s.Outcome == StepOutcome.Fail);
        Assert.Equal(failedStep, step.Name);
        Assert.Equal("Aws", step.Failure!.Kind);
        Assert.Equal(errorCode, step.Failure.ErrorCode);
        Assert.Equal(httpStatus, step.Failure.HttpStatus);
        Assert.True(Guid.TryParse(step.Failure.RequestId, out _), $"request id '{step.Failure.RequestId}'");
        Assert.StartsWith(failedStep, run.Message);
        Assert.Contains(errorCode, run.Message);
    }

    [Fact]
    public async Task Alb_down_fails_hermes_health_with_the_albs_502()
    {
        _faults.Set(SandboxComponents.Alb, new FaultSetting(FaultMode.Down));

        var run = await _host.RunProbeAsync(SandboxPlatformHost.Hermes);

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        var step = Assert.Single(run.Steps);
        Assert.Equal("Http", step.Failure!.Kind);
        Assert.Equal(502, step.Failure.HttpStatus);
        Assert.Contains("the ALB answered HTTP 502: bad gateway", run.Message);
    }

    [Fact]
    public async Task Hermes_down_fails_its_health_with_503_and_the_alb_probe_with_the_target_reason()
    {
        _faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));

        var health = await _host.RunProbeAsync(SandboxPlatformHost.Hermes);
        var targets = await _host.RunProbeAsync(SandboxPlatformHost.Alb);

        Assert.Equal(ProbeOutcome.Fail, health.Outcome);
        Assert.Equal(503, health.Steps.Single().Failure!.HttpStatus);
        // Each fact once: the step names what was asked, the failure what came back (not "(HTTP 503) /hermes/health answered HTTP 503").
        Assert.Equal("GET /hermes/health via ALB: the ALB answered HTTP 503: no healthy target behind the ALB, expected 200.", health.Message);
        Assert.Equal(ProbeOutcome.Fail, targets.Outcome);
        Assert.Contains("Target.FailedHealthChecks", targets.Steps.Single().Failure!.Message);
    }

    [Fact]
    public async Task Hermes_throttled_fails_with_429()
    {
        _faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Throttle));

        var run = await _host.RunProbeAsync(SandboxPlatformHost.Hermes);

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        Assert.True(429 == run.Steps.Single().Failure!.HttpStatus, run.Message);
    }

    [Fact]
    public async Task Slow_but_working_hermes_is_degraded_not_failed()
    {
        _faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Slow, LatencyMs: 400));

        var run = await _host.RunProbeAsync(SandboxPlatformHost.SlowHermes);

        Assert.Equal(ProbeOutcome.Degraded, run.Outcome);
        Assert.StartsWith("Slow:", run.Message);
    }

    [Fact]
    public async Task Hung_dependency_times_out_at_its_step_while_other_probes_run_unaffected()
    {
        _faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Slow, LatencyMs: 60_000));

        var hung = _host.RunProbeAsync(SandboxPlatformHost.ShortTimeoutHermes);
        var others = await Task.WhenAll(
            _host.RunProbeAsync(SandboxPlatformHost.Ecs),
            _host.RunProbeAsync(SandboxPlatformHost.Dynamo),
            _host.RunProbeAsync(SandboxPlatformHost.CloudWatch));
        Assert.False(hung.IsCompleted, "the hung probe should still be waiting while the others finish");
        var run = await hung.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(others, r => Assert.Equal(ProbeOutcome.Pass, r.Outcome));
        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        Assert.StartsWith("Timed out after 1 s at step 'GET /hermes/health via ALB'", run.Message);
        Assert.Equal("Timeout", run.Steps.Single().Failure!.Kind);
        Assert.InRange(run.DurationMs!.Value, 900, 5000);
    }

    [Fact]
    public async Task Service_scaled_to_zero_is_parked_not_failed()
    {
        await SetDesiredCountAsync(0);
        await WaitForAsync(() => _host.Get<SandboxPlatform>().PickHealthyTarget() is null && !AnyTargets());
        await SeenByTheMonitorAsync(h => h.Service.DesiredCount == 0);

        var ecs = await _host.RunProbeAsync(SandboxPlatformHost.Ecs);
        var alb = await _host.RunProbeAsync(SandboxPlatformHost.Alb);
        var hermes = await _host.RunProbeAsync(SandboxPlatformHost.Hermes);

        Assert.Equal(ProbeOutcome.Parked, ecs.Outcome);
        Assert.Equal(ProbeOutcome.Parked, alb.Outcome);
        Assert.Equal(ProbeOutcome.Parked, hermes.Outcome);
        Assert.Contains("parked", hermes.Message);
    }

    [Fact]
    public async Task Service_with_no_task_running_but_wanted_fails_with_the_latest_event()
    {
        // Scale 0 → 1: the new task is still PENDING, so nothing runs although one is wanted.
        await SetDesiredCountAsync(0);
        await WaitForAsync(() => !AnyTargets());
        var platform = _host.Get<SandboxPlatform>();
        var aws = _host.Get<IOptions<AwsOptions>>().Value;
        platform.UpdateDesiredCount(aws.Cluster, aws.Service, 1);
        await SeenByTheMonitorAsync(h => h.Service is { DesiredCount: 1, RunningCount: 0 });

        var run = await _host.RunProbeAsync(SandboxPlatformHost.Ecs);

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        var failure = run.Steps.Single(s => s.Outcome == StepOutcome.Fail).Failure!;
        Assert.Equal("Check", failure.Kind);
        Assert.Contains("No task running (0/1 running, 1 pending)", failure.Message);
        Assert.Contains("has started 1 tasks", failure.Message);
    }

    private static FaultSetting Fault(string mode) => mode switch
    {
        "down" => new FaultSetting(FaultMode.Down),
        "throttle" => new FaultSetting(FaultMode.Throttle),
        "errors" => new FaultSetting(FaultMode.Errors, ErrorRate: 1),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    private bool AnyTargets()
    {
        var platform = _host.Get<SandboxPlatform>();
        return platform.DescribeTargetHealth(platform.TargetGroupName).Count > 0;
    }

    private Task SetDesiredCountAsync(int count)
    {
        var aws = _host.Get<IOptions<AwsOptions>>().Value;
        _host.Get<SandboxPlatform>().UpdateDesiredCount(aws.Cluster, aws.Service, count);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The probes take the Hermes service from the services monitor's read (one ECS read shared with the page), so
    /// a change made behind the dashboard's back counts once the monitor has read it.
    /// </summary>
    private Task SeenByTheMonitorAsync(Func<ServiceState, bool> match) =>
        _host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes() is { } hermes && match(hermes));

    private Task WaitUntilHealthyAsync() => WaitForAsync(() => _host.Get<SandboxPlatform>().PickHealthyTarget() is not null);

    /// <summary>The sandbox advances on its clock; poll its state (there is no event for it) with a deadline.</summary>
    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(25));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the sandbox did not reach the expected state in 10 s");
            await timer.WaitForNextTickAsync();
        }
    }

    [Theory]
    [InlineData("ThrottlingException", 400, "r-1", "Rate exceeded", "ThrottlingException (HTTP 400, request r-1): Rate exceeded")]
    [InlineData(null, 503, null, "/hermes/health answered HTTP 503.", "/hermes/health answered HTTP 503.")]
    [InlineData("ServiceUnavailable", 503, null, "ServiceUnavailable: try later", "(HTTP 503) ServiceUnavailable: try later")]
    public void Failure_line_says_each_fact_once(string? code, int status, string? requestId, string message, string expected) =>
        Assert.Equal(expected, Webordinary.Dashboard.Probes.Running.ProbeRunner.FormatFailure(new StepFailure("Aws", message, code, requestId, status)));
}
