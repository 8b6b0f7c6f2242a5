using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Components.ViewModels;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Tests.Components;

/// <summary>The overview's order and grouping, alone: root causes with what they took down, other failures, then the rest; failing groups first.</summary>
public sealed class OverviewRowsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string> Components = new() { ["table"] = "DynamoDB", ["flow"] = "Hermes", ["login"] = "Hermes", ["ecs"] = "ECS" };

    private static ProbeState Probe(string id, ProbeOutcome outcome, ProbeHealth health = ProbeHealth.Unknown) =>
        new(id, "Kind", "30 s", true, new ProbeRun($"{id}-run", id, "Kind", RunTrigger.Schedule, T0, T0.AddSeconds(1), 1000, outcome, null, []), null, [], health);

    private static ProbeFacts Facts(ProbeState probe) => new(probe, Components.GetValueOrDefault(probe.ProbeId, "Other"), []);

    [Fact]
    public void Each_root_cause_comes_first_with_what_it_took_down_under_it_then_other_failures_with_theirs_then_the_rest_in_order()
    {
        var probes = new[]
        {
            Probe("ok", ProbeOutcome.Pass), Probe("flow", ProbeOutcome.Fail, ProbeHealth.Down), Probe("lone", ProbeOutcome.Fail),
            Probe("silenced", ProbeOutcome.Fail, ProbeHealth.Down), Probe("held", ProbeOutcome.Fail, ProbeHealth.Down), Probe("table", ProbeOutcome.Fail, ProbeHealth.Down),
        };
        var incident = new Incident("i1", "table", T0, null, "r1", null, null, ["flow", "gone"]);
        // "silenced" is Down inside a maintenance window (no incident) and holds "held" down.
        string? CauseOf(string id) => id == "held" ? "silenced" : null;

        var rows = OverviewRows.Order(probes, [incident], CauseOf, Facts);

        Assert.Equal(["table", "flow", "lone", "silenced", "held", "ok"], rows.Select(r => r.Probe.State.ProbeId));
        Assert.Equal([null, "table", null, null, "silenced", null], rows.Select(r => r.CausedBy));
    }

    [Fact]
    public void Groups_with_a_failing_probe_come_first_then_by_name_with_other_last_and_rows_keep_their_order()
    {
        var rows = OverviewRows.Order([Probe("other-probe", ProbeOutcome.Pass), Probe("ecs", ProbeOutcome.Pass), Probe("login", ProbeOutcome.Pass),
            Probe("table", ProbeOutcome.Pass), Probe("flow", ProbeOutcome.Fail)], [], _ => null, Facts);

        var groups = OverviewRows.ByComponent(rows);

        Assert.Equal(["Hermes", "DynamoDB", "ECS", "Other"], groups.Select(g => g.Key));
        Assert.Equal(["flow", "login"], groups[0].Select(r => r.Probe.State.ProbeId));
    }
}
