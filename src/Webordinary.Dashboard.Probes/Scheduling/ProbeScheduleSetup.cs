using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Probes.Scheduling;

/// <summary>
/// At start, before the scheduler fires anything: migrates the results store, loads each probe's recent history
/// into the live feed, and schedules one job per probe from its interval or cron.
/// </summary>
internal sealed class ProbeScheduleSetup(
    IResultsStore store,
    ProbeCatalog catalog,
    ProbeStatusFeed feed,
    ISchedulerFactory schedulers,
    Health.ProbeHealthTracker health,
    Maintenance.MaintenanceWindows windows,
    StartupLoads loads,
    TimeProvider time,
    DashboardInstance instance,
    ILogger<ProbeScheduleSetup> logger) : IHostedService
{
    /// <summary>First runs are spread out a little so start-up does not hit the platform all at once.</summary>
    private static readonly TimeSpan MaxStartStagger = TimeSpan.FromMilliseconds(300);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        // A store that cannot be read yet does not stop the start: each load waits (StartupLoads) and is retried once
        // the store answers; the probes are scheduled meanwhile and their runs kept in memory.
        await loads.LoadAsync(Health.ProbeHealthTracker.OpenIncidentsLoad, health.InitializeAsync, cancellationToken);
        await loads.LoadAsync("maintenance windows", windows.InitializeAsync, cancellationToken);
        foreach (var definition in catalog.Definitions)
        {
            feed.Register(definition.Id, definition.Kind, definition.Settings.Describe(), definition.Settings.Enabled, [], health.HealthOf(definition.Id));
        }

        await loads.LoadAsync("recent runs", LoadRecentRunsAsync, cancellationToken);
        if (instance.Clustered)
        {
            // The schedule is in the store: it waits for the server like the loads above (no probe runs meanwhile).
            await loads.LoadAsync(ScheduleLoad, ScheduleAsync, cancellationToken);
        }
        else
        {
            await ScheduleAsync(cancellationToken);
        }


        logger.LogInformation("Instance {InstanceId} scheduled {Count} probe(s){Clustered}", instance.Id, catalog.Definitions.Count(d => d.Settings.Enabled),
            instance.Clustered ? " in the cluster's shared schedule" : "");
    }

    public const string ScheduleLoad = "probe schedule";

    /// <summary>
    /// One durable job per probe and its trigger, written by every instance as it starts (clustered, into the shared
    /// store): a trigger whose schedule is unchanged is left as it is, so an instance joining does not move the
    /// cluster's fires; a changed one is replaced; the jobs of probes no longer configured go with their triggers.
    /// </summary>
    private async Task ScheduleAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var firstRun = time.GetUtcNow().AddSeconds(1);
        // Spread over at most the shortest interval, so with many probes every one has run within one interval.
        var shortest = catalog.Definitions.Select(d => d.Settings.Interval ?? TimeSpan.FromMinutes(1)).DefaultIfEmpty(TimeSpan.FromMinutes(1)).Min();
        var stagger = TimeSpan.FromTicks(Math.Min(MaxStartStagger.Ticks, shortest.Ticks / Math.Max(1, catalog.Definitions.Count)));
        foreach (var (definition, index) in catalog.Definitions.Select((d, i) => (d, i)))
        {
            var job = JobBuilder.Create<ProbeJob>()
                .WithIdentity(ProbeJob.KeyFor(definition.Id))
                .WithDescription($"{definition.Kind} probe {definition.Id}")
                .StoreDurably()
                .Build();
            await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
            var key = new TriggerKey(definition.Id, ProbeJob.Group);
            if (!definition.Settings.Enabled)
            {
                await scheduler.UnscheduleJob(key, cancellationToken);
                continue;
            }

            var trigger = TriggerFor(definition.Settings, key, job.Key, firstRun + stagger * index);
            if (await scheduler.GetTrigger(key, cancellationToken) is { } existing && SameSchedule(existing, trigger))
            {
                continue;
            }

            await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, cancellationToken);
        }

        if (instance.Clustered)
        {
            var sweep = TriggerBuilder.Create().WithIdentity(InstanceSweepJob.Key.Name, InstanceSweepJob.Key.Group).ForJob(InstanceSweepJob.Key)
                .StartAt(firstRun).WithSimpleSchedule(s => s.WithInterval(InstanceSweepJob.Interval).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
                .Build();
            await scheduler.AddJob(JobBuilder.Create<InstanceSweepJob>().WithIdentity(InstanceSweepJob.Key).StoreDurably().Build(), AddJobOptions.Replacing, cancellationToken);
            if (await scheduler.GetTrigger(sweep.Key, cancellationToken) is not { } existing || !SameSchedule(existing, sweep))
            {
                await scheduler.ScheduleJob(sweep, ScheduleJobOptions.Replacing, cancellationToken);
            }
        }

        var configured = catalog.Definitions.Select(d => ProbeJob.KeyFor(d.Id)).ToHashSet();
        foreach (var stale in await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(ProbeJob.Group), cancellationToken))
        {
            if (!configured.Contains(stale))
            {
                await scheduler.DeleteJob(stale, cancellationToken);
                logger.LogInformation("Removed the schedule of probe {ProbeId}, no longer configured", stale.Name);
            }
        }
    }

    private ITrigger TriggerFor(Configuration.ProbeSettings settings, TriggerKey key, JobKey job, DateTimeOffset firstRun)
    {
        var trigger = TriggerBuilder.Create()
            .WithIdentity(key)
            .ForJob(job)
            .StartAt(firstRun)
            .WithMisfireThreshold(MisfireThresholdOf(settings));
        // Clustered, a fire is late mostly because its instance died and another took the trigger over: it runs at once
        // (once), so the probe runs again within the takeover. Alone, a late fire is a stall of this process, and the
        // next one on the schedule comes soon enough (the schedule keeps its slots).
        trigger = settings.Cron is { Length: > 0 } cron
            ? trigger.WithCronSchedule(cron, c => c.WithMisfireInstruction(
                instance.Clustered ? CronTriggerMisfireInstruction.FireAndProceed : CronTriggerMisfireInstruction.DoNothing))
            : trigger.WithSimpleSchedule(s => s
                .WithInterval(settings.Interval!.Value)
                .RepeatForever()
                .WithMisfireInstruction(instance.Clustered
                    ? SimpleTriggerMisfireInstruction.NowWithExistingCount
                    : SimpleTriggerMisfireInstruction.NextWithRemainingCount));
        return trigger.Build();
    }

    /// <summary>Whether a stored trigger already fires as the configuration says (its start time aside).</summary>
    private static bool SameSchedule(ITrigger existing, ITrigger wanted) =>
        existing.MisfireInstructionCode == wanted.MisfireInstructionCode && existing.MisfireThreshold == wanted.MisfireThreshold && (existing, wanted) switch
        {
            (ICronTrigger a, ICronTrigger b) => a.CronExpressionString == b.CronExpressionString,
            (ISimpleTrigger a, ISimpleTrigger b) => a.RepeatInterval == b.RepeatInterval && a.RepeatCount == b.RepeatCount,
            _ => false,
        };

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Each probe's recent runs into the live feed (its trend and last run).</summary>
    private async Task LoadRecentRunsAsync(CancellationToken cancellationToken)
    {
        foreach (var definition in catalog.Definitions)
        {
            var recent = await store.GetRunsAsync(definition.Id, ProbeStatusFeed.TrendLength, null, cancellationToken);
            feed.Register(definition.Id, definition.Kind, definition.Settings.Describe(), definition.Settings.Enabled, recent, health.HealthOf(definition.Id));
        }
    }

    /// <summary>
    /// A fire later than this (the previous run overran, or the machine stalled) is skipped rather than run late: 5 s,
    /// or half the interval when that is shorter. With the 5 s alone, a 1 s probe ran up to five stale fires back to back
    /// after a stall (starts 49 ms apart on a loaded CI machine), each a call to the platform that told nothing new;
    /// now every run has a slot of its own, at least half an interval from the next.
    /// </summary>
    public static TimeSpan MisfireThresholdOf(Configuration.ProbeSettings settings) =>
        settings.Interval is { } interval && interval / 2 < MaxMisfireDelay ? interval / 2 : MaxMisfireDelay;

    private static readonly TimeSpan MaxMisfireDelay = TimeSpan.FromSeconds(5);
}
