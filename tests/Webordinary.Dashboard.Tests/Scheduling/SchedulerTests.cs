using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Scheduling;

/// <summary>Quartz drives the probes: intervals, run-now through TriggerJob, the cooldown, no overlapping runs.</summary>
public sealed class SchedulerTests
{
    [Fact]
    public async Task Jobs_fire_on_their_intervals()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "every-second", CloudWatchHeartbeatProbe.KindName, interval: "00:00:01");
        DashboardHost.AddProbe(settings, "every-two", EcsServiceProbe.KindName, interval: "00:00:02");
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());

        // At least three gaps each: a late fire lengthens one gap and shortens the next, and the median of three or more
        // gaps is then still a true one (the median of two, their mean, was 2.63 s for the 2 s probe on a loaded machine).
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == "every-second" && Count(recorder, "every-second") >= 5);
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == "every-two" && Count(recorder, "every-two") >= 4);

        var fast = Starts(recorder, "every-second");
        var slow = Starts(recorder, "every-two");
        // The median gap tells a 1 s schedule from a 2 s one. One late fire on a busy machine (often the first, while
        // the host is still warming up) shortens the gap after it, and pulled a mean of three gaps under 0.75 s on
        // CI; the median of the gaps ignores that one.
        Assert.InRange(Median(Gaps(fast)), 0.75, 1.4);
        Assert.InRange(Median(Gaps(slow)), 1.6, 2.6);
        // No extra fires (a second trigger on a job would double them): no more starts than the schedule has slots in
        // their span, plus one for a late first fire. Single gaps cannot tell: Quartz runs a fire up to its 5 s misfire
        // threshold late and the next one on time, and on a loaded CI machine two fires came 49 ms apart that way.
        Assert.InRange(fast.Count, 1, SlotsIn(fast, TimeSpan.FromSeconds(1)) + 1);
        Assert.InRange(slow.Count, 1, SlotsIn(slow, TimeSpan.FromSeconds(2)) + 1);
        Assert.All(recorder.Events.OfType<RunCompletedEvent>(), e => Assert.Equal(RunTrigger.Schedule, e.Run.Trigger));
    }

    [Fact]
    public async Task Run_now_runs_the_probe_through_the_scheduler_and_the_cooldown_refuses_a_second_click()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var triggers = host.Get<IProbeTriggers>();

        var first = await triggers.RunNowAsync("ecs", CancellationToken.None);
        var second = await triggers.RunNowAsync("ecs", CancellationToken.None);

        Assert.Equal(RunRequestStatus.Accepted, first.Status);
        var completed = await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.Id == first.RunId);
        Assert.Equal(RunTrigger.Manual, completed.Run.Trigger);
        Assert.Equal(ProbeOutcome.Pass, completed.Run.Outcome);
        Assert.Equal(RunRequestStatus.CoolingDown, second.Status);
        Assert.InRange(second.RetryAfter!.Value.TotalSeconds, 9, 10);
        Assert.Equal(RunRequestStatus.UnknownProbe, (await triggers.RunNowAsync("nope", CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Run_all_starts_every_probe_once_and_respects_each_cooldown()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "a", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "b", CloudWatchHeartbeatProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var triggers = host.Get<IProbeTriggers>();
        await triggers.RunNowAsync("a", CancellationToken.None);

        var results = await triggers.RunAllAsync(CancellationToken.None);

        Assert.Equal(RunRequestStatus.CoolingDown, results.Single(r => r.ProbeId == "a").Status);
        var b = results.Single(r => r.ProbeId == "b");
        Assert.Equal(RunRequestStatus.Accepted, b.Status);
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.Id == b.RunId);
    }

    [Fact]
    public async Task Runs_of_one_probe_never_overlap()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Dashboard:RunNowCooldown"] = "00:00:00";
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName, interval: "00:00:01", timeout: "00:00:05");
        await using var host = await DashboardHost.StartAsync(settings);
        host.Get<FaultInjector>().Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Slow, LatencyMs: 700));
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var triggers = host.Get<IProbeTriggers>();

        // The schedule (every second) plus three clicks while runs of 700 ms are under way.
        await recorder.WaitForAsync<RunStartedEvent>(e => e.Run.ProbeId == "hermes");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(RunRequestStatus.Accepted, (await triggers.RunNowAsync("hermes", CancellationToken.None)).Status);
        }

        await recorder.WaitForAsync<RunCompletedEvent>(_ => recorder.Events.OfType<RunCompletedEvent>().Count() >= 5, TimeSpan.FromSeconds(30));

        var running = 0;
        foreach (var feedEvent in recorder.Events.Where(e => e is RunStartedEvent or RunCompletedEvent))
        {
            running += feedEvent is RunStartedEvent ? 1 : -1;
            Assert.InRange(running, 0, 1);
        }

        Assert.Contains(recorder.Events.OfType<RunCompletedEvent>(), e => e.Run.Trigger == RunTrigger.Manual);
    }

    private static int Count(FeedRecorder recorder, string probeId) =>
        recorder.Events.OfType<RunCompletedEvent>().Count(e => e.Run.ProbeId == probeId);

    private static List<DateTimeOffset> Starts(FeedRecorder recorder, string probeId) =>
        [.. recorder.Events.OfType<RunStartedEvent>().Where(e => e.Run.ProbeId == probeId).Select(e => e.Run.StartedAt)];

    private static IEnumerable<TimeSpan> Gaps(List<DateTimeOffset> starts) => starts.Zip(starts.Skip(1), (a, b) => b - a);

    private static int SlotsIn(List<DateTimeOffset> starts, TimeSpan interval) => (int)Math.Round((starts[^1] - starts[0]) / interval) + 1;

    /// <summary>The upper median in seconds: of two gaps, the longer (a late fire makes the gap after it short).</summary>
    private static double Median(IEnumerable<TimeSpan> gaps)
    {
        var sorted = gaps.Select(g => g.TotalSeconds).Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
