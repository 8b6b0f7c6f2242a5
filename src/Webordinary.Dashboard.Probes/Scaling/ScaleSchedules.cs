using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Probes.Scaling;

/// <param name="Enabled">False: disabled by configuration (<c>Scaling:Schedules:{name}:Enabled</c>), never fired.</param>
public sealed record ScaleScheduleState(string Name, string Service, string Cron, int DesiredCount, string TimeZone, bool Paused, DateTimeOffset? NextFireAt,
    bool Enabled = true);

/// <summary>Fires one scale schedule: asks the scaler for the configured count (which audits it, a refusal too).</summary>
[DisallowConcurrentExecution]
public sealed class ScaleScheduleJob(ScaleSchedules schedules, ServiceScaler scaler, ILogger<ScaleScheduleJob> logger) : IJob
{
    public const string Group = "scale-schedules";

    public static JobKey KeyFor(string schedule) => new(schedule, Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.JobDetail.Key.Name;
        if (!schedules.TryGet(name, out var schedule))
        {
            return;
        }

        var result = await scaler.RequestAsync(schedule.Service, schedule.DesiredCount, ScaleReason.Schedule, Audit.Actor.Schedule(name), cancellationToken);
        if (result.Status is not (ScaleRequestStatus.Accepted or ScaleRequestStatus.NoChange))
        {
            logger.LogWarning("Schedule {Schedule} could not scale {Service}: {Message}", name, schedule.Service, result.Message);
        }
    }
}

/// <summary>
/// The configured scale schedules as Quartz cron triggers: listed with their next fire time, and each one can be
/// paused (remembered across restarts). One disabled by configuration gets no trigger: it is listed, never fired. A
/// pause made on another instance is applied to this one's trigger at once (the change feed).
/// </summary>
public sealed class ScaleSchedules(ISchedulerFactory schedulers, IOptions<ScalingOptions> options, ISchedulePauses pauses, StartupLoads loads, ChangeFeed changes)
    : IHostedService
{
    private IDisposable? _otherInstancesPauses;

    public bool TryGet(string name, out ScaleSchedule schedule) => options.Value.Schedules.TryGetValue(name, out schedule!) && schedule.Enabled;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Schedules.Values.Any(s => s.Enabled))
        {
            return;
        }

        // Followed before they are read, so a pause made elsewhere meanwhile is not missed.
        _otherInstancesPauses = changes.Subscribe<SchedulePauseChanged>(ApplyAsync, TimeSpan.Zero, ChangeOrigin.OtherInstances);
        // The pauses are read from the store: until it answers, no schedule is set up (a paused one must not fire).
        await loads.LoadAsync("schedule pauses", ScheduleAsync, cancellationToken);
    }

    private async Task ApplyAsync(IReadOnlyList<SchedulePauseChanged> pauseChanges)
    {
        var scheduler = await schedulers.GetScheduler(CancellationToken.None);
        foreach (var change in pauseChanges.Where(c => TryGet(c.Name, out _)))
        {
            var key = new TriggerKey(change.Name, ScaleScheduleJob.Group);
            // A schedule not set up yet (the pauses still loading) reads its pause from the store when it is.
            if (await scheduler.GetTrigger(key, CancellationToken.None) is not null)
            {
                await (change.Paused ? scheduler.PauseTrigger(key, CancellationToken.None) : scheduler.ResumeTrigger(key, CancellationToken.None));
            }
        }
    }

    private async Task ScheduleAsync(CancellationToken cancellationToken)
    {
        var paused = await pauses.ListAsync(cancellationToken);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        foreach (var (name, schedule) in options.Value.Schedules.Where(s => s.Value.Enabled))
        {
            var job = JobBuilder.Create<ScaleScheduleJob>().WithIdentity(ScaleScheduleJob.KeyFor(name)).StoreDurably().Build();
            await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
            var zone = string.IsNullOrEmpty(schedule.TimeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone);
            var trigger = TriggerBuilder.Create()
                .WithIdentity(name, ScaleScheduleJob.Group)
                .ForJob(job)
                // A parking time missed while the dashboard was down is not caught up: the next one comes.
                .WithCronSchedule(schedule.Cron, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
                .Build();
            await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, cancellationToken);
            if (paused.Contains(name))
            {
                await scheduler.PauseTrigger(trigger.Key, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _otherInstancesPauses?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<ScaleScheduleState>> ListAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var states = new List<ScaleScheduleState>();
        foreach (var (name, schedule) in options.Value.Schedules)
        {
            var zone = string.IsNullOrEmpty(schedule.TimeZone) ? "UTC" : schedule.TimeZone;
            if (!schedule.Enabled)
            {
                states.Add(new ScaleScheduleState(name, schedule.Service, schedule.Cron, schedule.DesiredCount, zone, Paused: false, NextFireAt: null, Enabled: false));
                continue;
            }

            var key = new TriggerKey(name, ScaleScheduleJob.Group);
            var trigger = await scheduler.GetTrigger(key, cancellationToken);
            var state = await scheduler.GetTriggerState(key, cancellationToken);
            states.Add(new ScaleScheduleState(name, schedule.Service, schedule.Cron, schedule.DesiredCount, zone, state == TriggerState.Paused,
                state == TriggerState.Paused ? null : trigger?.NextFireTimeUtc));
        }

        return states;
    }

    /// <returns>False when there is no such schedule, or it is disabled by configuration (it has nothing to pause).</returns>
    public async Task<bool> SetPausedAsync(string name, bool paused, CancellationToken cancellationToken)
    {
        if (!TryGet(name, out _))
        {
            return false;
        }

        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = new TriggerKey(name, ScaleScheduleJob.Group);
        await (paused ? scheduler.PauseTrigger(key, cancellationToken) : scheduler.ResumeTrigger(key, cancellationToken));
        await pauses.SetAsync(name, paused, cancellationToken);
        changes.Publish(new SchedulePauseChanged(name, paused));
        return true;
    }
}

/// <summary>A scale schedule was paused or resumed.</summary>
public sealed record SchedulePauseChanged(string Name, bool Paused) : DashboardChange;
