using Microsoft.Extensions.Options;
using Quartz;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Probes.Scheduling;

public enum RunRequestStatus
{
    Accepted,
    UnknownProbe,
    Disabled,
    CoolingDown,

    /// <summary>Results cannot be stored right now: a run would be lost, so none is started by hand.</summary>
    StoreUnavailable,
}

public sealed record RunRequestResult(string ProbeId, RunRequestStatus Status, string? RunId = null, TimeSpan? RetryAfter = null);

/// <summary>
/// "Run now" and "Run all": fire a probe's job through Quartz (<see cref="IScheduler.TriggerJob(JobKey, JobDataMap, CancellationToken)"/>; clustered,
/// through the shared job store, so any instance may run it), at most once per probe per <see cref="DashboardOptions.RunNowCooldown"/>
/// in the whole cluster (<see cref="IRunNowCooldowns"/>) so a button cannot flood the platform.
/// </summary>
public interface IProbeTriggers
{
    Task<RunRequestResult> RunNowAsync(string probeId, CancellationToken cancellationToken);

    Task<IReadOnlyList<RunRequestResult>> RunAllAsync(CancellationToken cancellationToken);

    /// <summary>Runs a probe again at once to confirm a first failure (no cooldown: the dashboard asks, not a person).</summary>
    Task ConfirmAsync(string probeId, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a probe again after <paramref name="delay"/> (zero: at once) as a <see cref="RunTrigger.Recheck"/>. A probe
    /// has at most one recheck pending, the sooner one: a failing run asking for its own in 15 s does not push back the
    /// one a dependency asked for at once while that run was under way (the dependency has just recovered).
    /// </summary>
    Task RecheckAsync(string probeId, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>
    /// Drops a recheck still waiting (the probe passed), unless it was asked for after <paramref name="askedBefore"/>
    /// (the passing run's start): that run did not see what the recheck was asked for (a fault cleared, a dependency changed).
    /// </summary>
    Task CancelRecheckAsync(string probeId, DateTimeOffset askedBefore, CancellationToken cancellationToken);
}

public sealed class ProbeTriggers(
    ISchedulerFactory schedulers, ProbeCatalog catalog, IOptions<DashboardOptions> options, IStore store, IRunNowCooldowns cooldowns, TimeProvider time)
    : IProbeTriggers
{
    public const string RecheckGroup = "probe-rechecks";

    /// <summary>When a recheck was asked for (UTC ticks), in its trigger's data.</summary>
    private const string RequestedAtKey = "requestedAt";

    public async Task<RunRequestResult> RunNowAsync(string probeId, CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(probeId, out var definition, out _))
        {
            return new RunRequestResult(probeId, RunRequestStatus.UnknownProbe);
        }

        if (!definition.Settings.Enabled)
        {
            return new RunRequestResult(definition.Id, RunRequestStatus.Disabled);
        }

        if (!store.Health.Healthy)
        {
            return new RunRequestResult(definition.Id, RunRequestStatus.StoreUnavailable);
        }

        // Claimed in the store, so a click on another instance is refused too.
        TimeSpan? wait;
        try
        {
            wait = await cooldowns.TryClaimAsync(definition.Id, time.GetUtcNow(), options.Value.RunNowCooldown, cancellationToken);
        }
        catch (Exception exception) when (store.IsUnavailable(exception))
        {
            return new RunRequestResult(definition.Id, RunRequestStatus.StoreUnavailable);
        }

        if (wait is { } retryAfter)
        {
            return new RunRequestResult(definition.Id, RunRequestStatus.CoolingDown, RetryAfter: retryAfter);
        }

        var runId = ProbeRun.NewId();
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(ProbeJob.KeyFor(definition.Id), new JobDataMap
        {
            [ProbeJob.RunIdKey] = runId,
            [ProbeJob.TriggerKey] = nameof(RunTrigger.Manual),
        }, cancellationToken);
        return new RunRequestResult(definition.Id, RunRequestStatus.Accepted, runId);
    }

    public async Task ConfirmAsync(string probeId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(ProbeJob.KeyFor(probeId), new JobDataMap
        {
            [ProbeJob.RunIdKey] = ProbeRun.NewId(),
            [ProbeJob.TriggerKey] = nameof(RunTrigger.Confirm),
        }, cancellationToken);
    }

    public async Task RecheckAsync(string probeId, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(probeId, out var definition, out _) || !definition.Settings.Enabled)
        {
            return;
        }

        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = RecheckKey(definition.Id);
        var now = time.GetUtcNow();
        // The trigger of the run under way has fired (no next fire time) and is replaced; one still to fire is kept
        // when it is the sooner.
        if (await scheduler.GetTrigger(key, cancellationToken) is { NextFireTimeUtc: { } next } && next <= now + delay)
        {
            return;
        }

        var trigger = TriggerBuilder.Create()
            .WithIdentity(key)
            .ForJob(ProbeJob.KeyFor(definition.Id))
            .UsingJobData(ProbeJob.TriggerKey, nameof(RunTrigger.Recheck))
            .UsingJobData(RequestedAtKey, now.UtcTicks)
            .StartAt(now + delay)
            // Late is fine (it waits behind a run of the same probe); skipped never.
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, cancellationToken);
    }

    public async Task CancelRecheckAsync(string probeId, DateTimeOffset askedBefore, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = RecheckKey(probeId);
        if (await scheduler.GetTrigger(key, cancellationToken) is { NextFireTimeUtc: not null } pending
            && pending.JobDataMap.TryGetLong(RequestedAtKey, out var requestedAt) && requestedAt > askedBefore.UtcTicks)
        {
            return;
        }

        await scheduler.UnscheduleJob(key, cancellationToken);
    }

    private static TriggerKey RecheckKey(string probeId) => new(probeId, RecheckGroup);

    /// <summary>Runs every enabled probe not cooling down; the others are reported, not queued.</summary>
    public async Task<IReadOnlyList<RunRequestResult>> RunAllAsync(CancellationToken cancellationToken)
    {
        var results = new List<RunRequestResult>();
        foreach (var definition in catalog.Definitions.Where(d => d.Settings.Enabled))
        {
            results.Add(await RunNowAsync(definition.Id, cancellationToken));
        }

        return results;
    }
}
