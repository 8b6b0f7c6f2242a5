using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Probes;

/// <summary>The sandbox's security groups are what the team's report recommends; its ec2 fault opens the Hermes port to the world.</summary>
public sealed class SandboxSecurityGroupsTests : IAsyncLifetime
{
    private DashboardHost _host = null!;

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "security-groups", SecurityGroupsProbe.KindName);
        _host = await DashboardHost.StartAsync(settings);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_sandbox_groups_pass()
    {
        var run = await _host.RunProbeAsync("security-groups");

        Assert.True(run.Outcome == ProbeOutcome.Pass, $"{run.Outcome}: {run.Message}");
        Assert.Equal($"service groups accept only {SandboxSecurityGroups.AlbGroupId} on port 3000; ALB egress only to port 3000", run.Message);
    }

    [Fact]
    public async Task The_open_rule_fault_fails_the_probe_naming_the_rule_and_clearing_it_passes_again()
    {
        var faults = _host.Get<FaultInjector>();

        faults.Set(SandboxComponents.Ec2, new FaultSetting(FaultMode.OpenRule));
        var open = await _host.RunProbeAsync("security-groups");
        faults.ClearAll();
        var closed = await _host.RunProbeAsync("security-groups");

        Assert.Equal(ProbeOutcome.Fail, open.Outcome);
        Assert.Equal($"1 offending rule(s): {SandboxSecurityGroups.HermesGroupId} ingress tcp 3000 from 0.0.0.0/0 (reaches the tasks from the internet).",
            open.Steps.Single(s => s.Outcome == StepOutcome.Fail).Failure!.Message);
        Assert.Equal(ProbeOutcome.Pass, closed.Outcome);
    }

    [Fact]
    public async Task An_ec2_outage_fails_the_describe_step_with_the_aws_error_code_and_request_id()
    {
        _host.Get<FaultInjector>().Set(SandboxComponents.Ec2, new FaultSetting(FaultMode.Throttle));

        var run = await _host.RunProbeAsync("security-groups");

        var failed = Assert.Single(run.Steps, s => s.Outcome == StepOutcome.Fail);
        Assert.Equal("Describe security groups", failed.Name);
        Assert.Equal("ThrottlingException", failed.Failure!.ErrorCode);
        Assert.False(string.IsNullOrEmpty(failed.Failure.RequestId));
    }

    [Theory]
    [InlineData(SandboxComponents.Ecs)]
    [InlineData(SandboxComponents.Hermes)]
    public void The_open_rule_fault_applies_to_ec2_only(string component)
    {
        Assert.Contains("applies to component ec2 only", FaultInjector.Validate(component, new FaultSetting(FaultMode.OpenRule)));
    }
}
