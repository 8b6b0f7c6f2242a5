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
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var firstRun = time.GetUtcNow().AddSeconds(1);
        // Spread over at most the shortest interval, so with many probes every one has run within one interval.
        var shortest = catalog.Definitions.Select(d => d.Settings.Interval ?? TimeSpan.FromMinutes(1)).DefaultIfEmpty(TimeSpan.FromMinutes(1)).Min();
        var stagger = TimeSpan.FromTicks(Math.Min(MaxStartStagger.Ticks, shortest.Ticks / Math.Max(1, catalog.Definitions.Count)));
        foreach (var definition in catalog.Definitions)
        {
            feed.Register(definition.Id, definition.Kind, definition.Settings.Describe(), definition.Settings.Enabled, [], health.HealthOf(definition.Id));
        }

        await loads.LoadAsync("recent runs", LoadRecentRunsAsync, cancellationToken);
        foreach (var (definition, index) in catalog.Definitions.Select((d, i) => (d, i)))
        {

            var job = JobBuilder.Create<ProbeJob>()
                .WithIdentity(ProbeJob.KeyFor(definition.Id))
                .WithDescription($"{definition.Kind} probe {definition.Id}")
                .StoreDurably()
                .Build();
            await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
            if (!definition.Settings.Enabled)
            {
                continue;
            }

            var trigger = TriggerBuilder.Create()
                .WithIdentity(definition.Id, ProbeJob.Group)
                .ForJob(job)
                .StartAt(firstRun + stagger * index)
                .WithMisfireThreshold(MisfireThresholdOf(definition.Settings));
            trigger = definition.Settings.Cron is { Length: > 0 } cron
                // A missed cron fire is skipped, not caught up: the next one is soon enough for a probe.
                ? trigger.WithCronSchedule(cron, c => c.WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
                : trigger.WithSimpleSchedule(s => s
                    .WithInterval(definition.Settings.Interval!.Value)
                    .RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount));
            await scheduler.ScheduleJob(trigger.Build(), ScheduleJobOptions.Replacing, cancellationToken);
        }

        logger.LogInformation("Scheduled {Count} probe(s)", catalog.Definitions.Count(d => d.Settings.Enabled));
    }

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
