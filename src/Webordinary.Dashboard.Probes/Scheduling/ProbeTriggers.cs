using Microsoft.Extensions.Options;
using Quartz;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Scheduling;

public enum RunRequestStatus
{
    Accepted,
    UnknownProbe,
    Disabled,
    CoolingDown,
}

public sealed record RunRequestResult(string ProbeId, RunRequestStatus Status, string? RunId = null, TimeSpan? RetryAfter = null);

/// <summary>
/// "Run now" and "Run all": fire a probe's job through Quartz (<see cref="IScheduler.TriggerJob(JobKey, JobDataMap, CancellationToken)"/>), at most once
/// per probe per <see cref="DashboardOptions.RunNowCooldown"/> so a button cannot flood the platform.
/// </summary>
public interface IProbeTriggers
{
    Task<RunRequestResult> RunNowAsync(string probeId, CancellationToken cancellationToken);

    Task<IReadOnlyList<RunRequestResult>> RunAllAsync(CancellationToken cancellationToken);

    /// <summary>Runs a probe again at once to confirm a first failure (no cooldown: the dashboard asks, not a person).</summary>
    Task ConfirmAsync(string probeId, CancellationToken cancellationToken);
}

public sealed class ProbeTriggers(ISchedulerFactory schedulers, ProbeCatalog catalog, IOptions<DashboardOptions> options, TimeProvider time) : IProbeTriggers
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _lastManual = new(StringComparer.OrdinalIgnoreCase);

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

        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_lastManual.TryGetValue(definition.Id, out var last) && now - last < options.Value.RunNowCooldown)
            {
                return new RunRequestResult(definition.Id, RunRequestStatus.CoolingDown, RetryAfter: options.Value.RunNowCooldown - (now - last));
            }

            _lastManual[definition.Id] = now;
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
