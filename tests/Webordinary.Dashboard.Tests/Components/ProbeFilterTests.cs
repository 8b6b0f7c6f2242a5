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
}
