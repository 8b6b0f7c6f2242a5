using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Tests.Components;

/// <summary>The overview's one polite live region: changes are announced, at most one every ten seconds.</summary>
public sealed class StatusAnnouncerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    private static ProbeState Probe(string id, ProbeOutcome outcome) => new(id, "HermesHealth", "every 15 s", true,
        new ProbeRun($"{id}-run", id, "HermesHealth", RunTrigger.Schedule, T0, T0, 5, outcome, null, []), null, []);

    [Fact]
    public async Task A_change_is_announced_politely_and_a_burst_of_changes_becomes_one_later_announcement()
    {
        var time = new FakeTimeProvider(T0);
        await using var context = new BunitContext();
        context.Services.AddSingleton<TimeProvider>(time);
        var cut = context.Render<StatusAnnouncer>(p => p.Add(a => a.Probes, [Probe("a", ProbeOutcome.Pass), Probe("b", ProbeOutcome.Pass)]));
        var region = () => cut.Find("[data-testid='status-announcement']");
        Assert.Equal("polite", region().GetAttribute("aria-live"));
        Assert.Equal("status", region().GetAttribute("role"));
        Assert.Equal("All 2 probes pass.", region().TextContent);

        // Ten seconds later, a failure is news at once.
        time.Advance(StatusAnnouncer.MinInterval);
        cut.Render(p => p.Add(a => a.Probes, [Probe("a", ProbeOutcome.Fail), Probe("b", ProbeOutcome.Pass)]));
        Assert.Equal("1 failing: a. 1 pass.", region().TextContent);

        // Right after it, more changes wait: nothing new is said until ten seconds after the last announcement...
        time.Advance(TimeSpan.FromSeconds(2));
        cut.Render(p => p.Add(a => a.Probes, [Probe("a", ProbeOutcome.Fail), Probe("b", ProbeOutcome.Degraded)]));
        time.Advance(TimeSpan.FromSeconds(2));
        cut.Render(p => p.Add(a => a.Probes, [Probe("a", ProbeOutcome.Fail), Probe("b", ProbeOutcome.Fail)]));
        Assert.Equal("1 failing: a. 1 pass.", region().TextContent);

        // ...and then only the latest state, once.
        time.Advance(TimeSpan.FromSeconds(6));
        cut.WaitForAssertion(() => Assert.Equal("2 failing: a, b. 0 pass.", region().TextContent));
    }
}
