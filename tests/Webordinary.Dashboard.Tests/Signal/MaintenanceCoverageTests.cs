using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Maintenance;

namespace Webordinary.Dashboard.Tests.Signal;

/// <summary>A window over something covers what needs it, through the same DependsOn graph as root causes.</summary>
public sealed class MaintenanceCoverageTests
{
    // The shipped shape: the table and Hermes are checked on their own; the session flows (component Hermes) need both.
    private static readonly MaintenanceCoverage Coverage = new(ProbeTopology.Resolve(new Dictionary<string, ProbeSettings>(StringComparer.OrdinalIgnoreCase)
    {
        ["dynamodb-session-table"] = new() { Kind = "K", Component = "DynamoDB" },
        ["cloudwatch-heartbeat"] = new() { Kind = "K", Component = "CloudWatch" },
        ["hermes-health"] = new() { Kind = "K", Component = "Hermes" },
        ["session-routing"] = new() { Kind = "K", Component = "Hermes", DependsOn = ["hermes-health", "dynamodb-session-table"] },
        ["session-concurrent"] = new() { Kind = "K", Component = "Hermes", DependsOn = ["hermes-health", "dynamodb-session-table"] },
    }, new ProbeKindRegistry(), out _));

    [Fact]
    public void A_window_over_dynamodb_covers_the_session_flows_that_need_the_table_and_nothing_else()
    {
        var scope = new MaintenanceScope([], [PlatformComponent.DynamoDb]);

        Assert.Equal(["dynamodb-session-table", "session-routing", "session-concurrent"], Coverage.Covered(scope));
    }

    [Fact]
    public void A_window_over_a_probe_covers_the_probes_that_need_it_not_those_it_needs()
    {
        var scope = new MaintenanceScope(["hermes-health"], []);

        Assert.Equal(["hermes-health", "session-routing", "session-concurrent"], Coverage.Covered(scope));
        Assert.False(Coverage.Covers(new MaintenanceScope(["session-routing"], []), "hermes-health"));
    }

    [Fact]
    public void A_global_window_covers_every_probe() =>
        Assert.Equal(5, Coverage.Covered(new MaintenanceScope([], [])).Count);
}
