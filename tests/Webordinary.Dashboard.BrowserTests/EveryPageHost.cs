using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>
/// One dashboard for a test class that visits every page: probes that passed, one that failed (a red chip and a run
/// with a failed step's reason), Hermes scalable — so every page has its rows, chips and buttons to check.
/// </summary>
public sealed class EveryPageHost : IAsyncLifetime
{
    public const string FailingProbe = "dynamodb-session-table";

    /// <summary>Never run by the host: Unknown until a test runs it (no cooldown in the way).</summary>
    public const string UnrunProbe = "cloudwatch-heartbeat";

    /// <summary>Every page of the dashboard, and an unknown address (the 404 page).</summary>
    public static readonly string[] Pages =
        ["/", $"/probes/{FailingProbe}", "/incidents", "/services", "/notifications", "/audit", "/keys", "/sandbox", "/sandbox/inbox", "/no-such-page"];

    public DashboardHost Host { get; private set; } = null!;

    public string FailedRunId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Dashboard:RunNowCooldown"] = "00:00:01";
        DashboardHost.AddProbe(settings, "ecs-hermes-service", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "hermes-health", HermesHealthProbe.KindName);
        DashboardHost.AddProbe(settings, FailingProbe, DynamoDbTableProbe.KindName);
        DashboardHost.AddProbe(settings, UnrunProbe, CloudWatchHeartbeatProbe.KindName);
        Host = await DashboardHost.StartAsync(settings);
        await Host.RunProbeAsync("ecs-hermes-service");
        await Host.RunProbeAsync("hermes-health");
        var faults = Host.Get<FaultInjector>();
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Throttle));
        FailedRunId = (await Host.RunProbeAsync(FailingProbe)).Id;
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.None));
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
