using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Sessions;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Sessions;

/// <summary>A container that never gets ready: the readiness step times out, and the cleanup (row, re-park) still runs.</summary>
public sealed class ColdStartNeverReadyTests
{
    [Fact]
    public async Task Readiness_times_out_and_the_session_is_removed_and_hermes_parked_again()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Sandbox:InitialDesiredCount"] = "0";
        settings["Sandbox:TaskStartDelay"] = "00:10:00";
        SessionSettings.AddFlow(settings, "cold-start", ColdStartProbe.KindName, ("WarmUp", "true"), ("ReadinessTimeout", "00:00:01"));
        await using var host = await DashboardHost.StartAsync(settings);
        await host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes() is { IsParked: true });

        var run = await host.RunProbeAsync("cold-start");
        var after = await host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes() is { Service.DesiredCount: 0 });

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        var failed = Assert.Single(run.Steps, s => s.Outcome == StepOutcome.Fail);
        Assert.Equal("Wait for container readiness", failed.Name);
        Assert.Equal("Timeout", failed.Failure!.Kind);
        Assert.Contains(run.Steps, s => s.Name == "Delete session row in DynamoDB" && s.Outcome == StepOutcome.Pass);
        Assert.Contains(run.Steps, s => s.Name == "Park Hermes again" && s.Outcome == StepOutcome.Pass);
        Assert.Equal(0, after.Hermes()!.Service.DesiredCount);
        Assert.Equal(0, SessionSettings.MarkedRows(host));
        var audit = await host.Get<AuditLog>().ListAsync(new AuditQuery(10), CancellationToken.None);
        Assert.Contains(audit, e => e is { Scale: { Reason: ScaleReason.ProbeWarmUp, To: 1 }, Outcome: nameof(ScaleOutcome.Superseded) });
    }
}
