using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Testing;
using Webordinary.Dashboard.Tests.Api;

namespace Webordinary.Dashboard.Tests.Components;

/// <summary>The overview's search and filters from the URL: bounded, checked, and what they let through.</summary>
public sealed class ProbeFilterTests(ApiHost fixture) : IClassFixture<ApiHost>
{
    private static ProbeFacts Probe(string id, string kind, ProbeOutcome status, string component, params string[] tags) =>
        new(new ProbeState(id, kind, "every 30 s", true,
            status == ProbeOutcome.Unknown ? null : new ProbeRun(ProbeRun.NewId(), id, kind, RunTrigger.Schedule, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1, status, null, []),
            null, []), component, tags);

    private static readonly ProbeFacts Hermes = Probe("hermes-health", "HermesHealth", ProbeOutcome.Fail, "Hermes", "edge", "customer-facing");
    private static readonly ProbeFacts Ecs = Probe("ecs", "EcsService", ProbeOutcome.Pass, "ECS");

    [Theory]
    [InlineData("herm", true, false)]
    [InlineData("HERMESHEALTH", true, false)]
    [InlineData("customer", true, false)]
    [InlineData("fail", true, false)]
    [InlineData("ecs", false, true)]
    [InlineData("nothing-like-it", false, false)]
    public void Search_finds_a_probe_by_part_of_its_id_kind_status_component_or_tag(string text, bool hermes, bool ecs)
    {
        var filter = ProbeFilter.FromQuery(text, null, null, null);

        Assert.Equal(hermes, filter.Matches(Hermes));
        Assert.Equal(ecs, filter.Matches(Ecs));
    }

    [Fact]
    public void Status_and_tag_each_narrow_the_list_and_all_must_hold()
    {
        Assert.True(ProbeFilter.FromQuery(null, "fail", null, null).Matches(Hermes));
        Assert.False(ProbeFilter.FromQuery(null, "Fail", null, null).Matches(Ecs));
        Assert.True(ProbeFilter.FromQuery(null, null, "EDGE", null).Matches(Hermes));
        Assert.False(ProbeFilter.FromQuery(null, null, "edge", null).Matches(Ecs));
        Assert.False(ProbeFilter.FromQuery("herm", "Pass", null, null).Matches(Hermes));
    }

    [Theory]
    [InlineData("7", null)]
    [InlineData("Broken", null)]
    [InlineData("Pass,Fail", null)]
    [InlineData("degraded", ProbeOutcome.Degraded)]
    public void Status_from_the_url_is_an_outcome_by_name_or_nothing(string status, ProbeOutcome? expected) =>
        Assert.Equal(expected, ProbeFilter.FromQuery(null, status, null, null).Status);

    [Fact]
    public void What_the_url_brings_is_bounded_and_checked_and_written_back_the_same()
    {
        var filter = ProbeFilter.FromQuery("  " + new string('x', 500) + "  ", null, "<script>", "component");

        Assert.Equal(ProbeFilter.MaxTextLength, filter.Text!.Length);
        Assert.Null(filter.Tag);
        Assert.True(filter.GroupByComponent);
        Assert.False(ProbeFilter.FromQuery(null, null, null, "kind").GroupByComponent);
        var query = ProbeFilter.FromQuery("herm", "Fail", "edge", "component").ToQuery();
        Assert.Equal(ProbeFilter.FromQuery("herm", "Fail", "edge", "component"),
            ProbeFilter.FromQuery((string?)query["q"], (string?)query["status"], (string?)query["tag"], (string?)query["group"]));
    }

    [Fact]
    public async Task Overview_is_prerendered_filtered_by_its_url()
    {
        using var client = fixture.Host.CreateClient();

        var html = await client.GetStringAsync("/?q=herm&group=component");

        Assert.Contains("data-probe-id=\"hermes\"", html);
        Assert.DoesNotContain("data-probe-id=\"ecs\"", html);
        Assert.Contains("class=\"probe-group\" data-group=\"Hermes\"", html);
        Assert.Contains("1 of 3 shown", html);
    }

    [Fact]
    public async Task Grouped_by_component_the_failing_groups_come_first_then_the_others_by_name_and_rows_are_not_indented()
    {
        var settings = DashboardHost.BaseSettings();
        // Ids (and the order configured) the reverse of the components' names: the groups' order is their own.
        DashboardHost.AddProbe(settings, "a-hermes-health", Webordinary.Dashboard.Probes.Connectivity.HermesHealthProbe.KindName);
        DashboardHost.AddProbe(settings, "m-ecs-hermes-service", Webordinary.Dashboard.Probes.Connectivity.EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "z-cloudwatch-heartbeat", Webordinary.Dashboard.Probes.Connectivity.CloudWatchHeartbeatProbe.KindName);
        DashboardHost.AddProbe(settings, "dynamodb-session-table", Webordinary.Dashboard.Probes.Connectivity.DynamoDbTableProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        host.Get<Webordinary.Dashboard.Sandbox.FaultInjector>().Set(Webordinary.Dashboard.Sandbox.SandboxComponents.DynamoDb,
            new Webordinary.Dashboard.Sandbox.FaultSetting(Webordinary.Dashboard.Sandbox.FaultMode.Down));
        Assert.Equal(ProbeOutcome.Fail, (await host.RunProbeAsync("dynamodb-session-table")).Outcome);
        using var client = host.CreateClient();

        var html = await client.GetStringAsync("/?group=component");

        var groups = System.Text.RegularExpressions.Regex.Matches(html, "class=\"probe-group\" data-group=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal("DynamoDB", groups[0]);
        Assert.Equal([.. groups.Skip(1).Order(StringComparer.OrdinalIgnoreCase)], groups.Skip(1).ToList());
        Assert.Equal(4, groups.Count);
        Assert.Contains("probe-table grouped", html);
    }
}
