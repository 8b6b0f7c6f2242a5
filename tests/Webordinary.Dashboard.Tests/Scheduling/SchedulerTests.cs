using Quartz;
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
        // The schedule's own clock: each fire's scheduled time as Quartz computed it, and when it actually ran. The
        // wall clock of a loaded machine says when a fire ran, not which slot it was for: a stall of a second bunched
        // late fires together and more starts than slots seemed to fit in their span.
        var fires = new FireRecorder();
        var scheduler = await host.Get<ISchedulerFactory>().GetScheduler();
        scheduler.ListenerManager.AddJobListener(fires, [GroupMatcher<JobKey>.GroupEquals(ProbeJob.Group)]);

        await fires.WaitForAsync("every-second", 5);
        await fires.WaitForAsync("every-two", 4);
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == "every-two" && Count(recorder, "every-two") >= 4);

        foreach (var (probe, interval) in new[] { ("every-second", TimeSpan.FromSeconds(1)), ("every-two", TimeSpan.FromSeconds(2)) })
        {
            var slots = fires.Of(probe);
            // Every fire is for a slot of its own schedule, in order: the gaps between scheduled times are whole
            // intervals (more than one only where a fire came later than its misfire threshold and was skipped), so
            // no second trigger and no other interval fired the job.
            var gaps = slots.Zip(slots.Skip(1), (a, b) => b.Scheduled - a.Scheduled).ToList();
            Assert.All(gaps, gap => Assert.True(gap >= interval && gap.Ticks % interval.Ticks == 0, $"{probe}: scheduled {gap} apart"));
            Assert.Contains(interval, gaps);
            // A fire never runs before its slot, and runs late only within the threshold (half the interval here).
            Assert.All(slots, f => Assert.True(f.Fired >= f.Scheduled, $"{probe} fired at {f.Fired:O} for {f.Scheduled:O}"));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(500), ProbeScheduleSetup.MisfireThresholdOf(new() { Interval = TimeSpan.FromSeconds(1) }));
        Assert.Equal(TimeSpan.FromSeconds(5), ProbeScheduleSetup.MisfireThresholdOf(new() { Interval = TimeSpan.FromMinutes(1) }));
        Assert.All(recorder.Events.OfType<RunCompletedEvent>(), e => Assert.Equal(RunTrigger.Schedule, e.Run.Trigger));
    }

    /// <summary>Records each scheduled fire of the probe jobs (scheduled time, actual time) and lets a test wait for a count.</summary>
    private sealed class FireRecorder : IJobListener
    {
        private readonly Lock _gate = new();
        private readonly List<(string Probe, DateTimeOffset Scheduled, DateTimeOffset Fired)> _fires = [];

        public string Name => "fire-recorder";

        public IReadOnlyList<(DateTimeOffset Scheduled, DateTimeOffset Fired)> Of(string probe)
        {
            lock (_gate)
            {
                return [.. _fires.Where(f => f.Probe == probe).Select(f => (f.Scheduled, f.Fired))];
            }
        }

        private readonly List<(string Probe, int Count, TaskCompletionSource Done)> _waiters = [];

        public Task WaitForAsync(string probe, int count)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_fires.Count(f => f.Probe == probe) >= count)
                {
                    return Task.CompletedTask;
                }

                _waiters.Add((probe, count, done));
            }

            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default)
        {
            // Scheduled fires only (the probe's own trigger), not Run now, confirms or rechecks.
            if (context.Trigger.Key.Group == ProbeJob.Group && context.ScheduledFireTimeUtc is { } scheduled)
            {
                List<TaskCompletionSource> release;
                lock (_gate)
                {
                    _fires.Add((context.JobDetail.Key.Name, scheduled, context.FireTimeUtc));
                    var met = _waiters.Where(w => _fires.Count(f => f.Probe == w.Probe) >= w.Count).ToList();
                    _waiters.RemoveAll(met.Contains);
                    release = [.. met.Select(w => w.Done)];
                }

                release.ForEach(done => done.TrySetResult());
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default) =>
            ValueTask.CompletedTask;
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
    public async Task A_probe_has_one_recheck_pending_the_sooner_one()
    {
        var settings = DashboardHost.BaseSettings();
        // No run of its own: none passes and cancels the rechecks below.
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName, cron: DashboardHost.NeverCron);
        await using var host = await DashboardHost.StartAsync(settings);
        var triggers = host.Get<IProbeTriggers>();
        var scheduler = await host.Get<ISchedulerFactory>().GetScheduler();
        async Task<TimeSpan> PendingInAsync()
        {
            var pending = await scheduler.GetTriggersOfJob(ProbeJob.KeyFor("ecs"));
            var recheck = Assert.Single(pending, t => t.Key.Group == ProbeTriggers.RecheckGroup);
            return recheck.NextFireTimeUtc!.Value - DateTimeOffset.UtcNow;
        }

        await triggers.RecheckAsync("ecs", TimeSpan.FromMinutes(20), CancellationToken.None);
        await triggers.RecheckAsync("ecs", TimeSpan.FromMinutes(40), CancellationToken.None);
        Assert.InRange((await PendingInAsync()).TotalMinutes, 19, 20);
        await triggers.RecheckAsync("ecs", TimeSpan.FromMinutes(10), CancellationToken.None);
        Assert.InRange((await PendingInAsync()).TotalMinutes, 9, 10);
        // A pass cancels a recheck asked for before its run began, not one asked for since (the run did not see why).
        var runStarted = DateTimeOffset.UtcNow;
        await triggers.CancelRecheckAsync("ecs", runStarted - TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.InRange((await PendingInAsync()).TotalMinutes, 9, 10);
        await triggers.CancelRecheckAsync("ecs", runStarted, CancellationToken.None);
        Assert.DoesNotContain(await scheduler.GetTriggersOfJob(ProbeJob.KeyFor("ecs")), t => t.Key.Group == ProbeTriggers.RecheckGroup);
    }

    [Fact]
    public async Task A_recheck_asked_for_during_a_failing_run_is_not_pushed_back_by_the_runs_own()
    {
        var settings = DashboardHost.BaseSettings();
        // No run of its own, and a failure asks for its own recheck an hour on: only the recheck asked for during the
        // test's run can come sooner.
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName, cron: DashboardHost.NeverCron, timeout: "00:00:03");
        settings["Dashboard:Probes:hermes:RecoveryInterval"] = "01:00:00";
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        // Each run hangs until its timeout: a run is under way for 3 s after it starts.
        host.Get<FaultInjector>().Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Slow, LatencyMs: 60_000));
        var triggers = host.Get<IProbeTriggers>();

        var manual = await triggers.RunNowAsync("hermes", CancellationToken.None);
        await recorder.WaitForAsync<RunStartedEvent>(e => e.Run.Id == manual.RunId);
        // What a dependency that has just recovered asks for.
        await triggers.RecheckAsync("hermes", TimeSpan.Zero, CancellationToken.None);

        var failed = await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.Id == manual.RunId);
        Assert.Equal(ProbeOutcome.Fail, failed.Run.Outcome);
        var recheck = await recorder.WaitForCompletionAsync("hermes", TimeSpan.FromSeconds(30), e => e.Run.Trigger == RunTrigger.Recheck);
        Assert.True(recheck.Run.StartedAt >= failed.Run.EndedAt);
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

        var events = recorder.Events;
        var started = events.OfType<RunStartedEvent>().Select(e => e.Run.Id).ToHashSet();
        // A run already under way when the recorder subscribed (the first, on a slow start) has only its completion here.
        var running = events.OfType<RunCompletedEvent>().Count(e => !started.Contains(e.Run.Id));
        Assert.InRange(running, 0, 1);
        foreach (var feedEvent in events.Where(e => e is RunStartedEvent or RunCompletedEvent))
        {
            running += feedEvent is RunStartedEvent ? 1 : -1;
            Assert.InRange(running, 0, 1);
        }

        Assert.Contains(recorder.Events.OfType<RunCompletedEvent>(), e => e.Run.Trigger == RunTrigger.Manual);
    }

    private static int Count(FeedRecorder recorder, string probeId) =>
        recorder.Events.OfType<RunCompletedEvent>().Count(e => e.Run.ProbeId == probeId);

}
