using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Scheduling;

/// <summary>Runs one probe. One durable job per probe (key = probe id), never two runs of one probe at once.</summary>
[DisallowConcurrentExecution]
public sealed class ProbeJob(
    ProbeCatalog catalog, ProbeRunner runner, IProbeTriggers triggers, IHostApplicationLifetime lifetime, Telemetry.ProbeMetrics metrics, ILogger<ProbeJob> logger) : IJob
{
    public const string Group = "probes";
    public const string RunIdKey = "runId";
    public const string TriggerKey = "trigger";

    public static JobKey KeyFor(string probeId) => new(probeId, Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var probeId = context.JobDetail.Key.Name;
        if (!catalog.TryGet(probeId, out var definition, out var probe))
        {
            logger.LogWarning("Job for unknown probe {ProbeId} fired", probeId);
            return;
        }

        var data = context.MergedJobDataMap;
        var runId = data.GetString(RunIdKey) is { Length: > 0 } requested ? requested : ProbeRun.NewId();
        var trigger = Enum.TryParse<RunTrigger>(data.GetString(TriggerKey), out var parsed) ? parsed : RunTrigger.Schedule;
        if (trigger == RunTrigger.Schedule && context.ScheduledFireTimeUtc is { } due)
        {
            metrics.RecordSchedulerLag(probeId, DateTimeOffset.UtcNow - due);
        }

        // Stopping the app cancels a run at once (its cleanup steps still run) so shutdown does not wait it out.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            Health.HealthChange? change = null;
            var run = await runner.RunAsync(probe, definition.Settings, runId, trigger, stopping.Token, c => change = c);
            if (stopping.IsCancellationRequested || change is null)
            {
                return;
            }

            if (change.ConfirmNow)
            {
                // Queued behind this run (one run per probe at a time), so it starts as soon as this one ends. What it
                // needs is checked now too, so that when it goes Down its root cause is already known.
                await triggers.ConfirmAsync(probeId, CancellationToken.None);
                foreach (var dependency in catalog.Topology.DependsOn(probeId))
                {
                    await triggers.RecheckAsync(dependency, TimeSpan.Zero, CancellationToken.None);
                }
            }

            // Failing (or planned work, or Down): run again soon until it passes, so a cleared fault shows in seconds.
            if (run.Outcome is ProbeOutcome.Fail or ProbeOutcome.Maintenance || change.Health == Health.ProbeHealth.Down)
            {
                await triggers.RecheckAsync(probeId, definition.Settings.RecheckDelay, CancellationToken.None);
            }
            else
            {
                await triggers.CancelRecheckAsync(probeId, run.StartedAt, CancellationToken.None);
            }

            foreach (var dependent in change.RecheckNow)
            {
                await triggers.RecheckAsync(dependent, TimeSpan.Zero, CancellationToken.None);
            }
        }
        catch (Exception exception)
        {
            // The store or the feed failed: log it, and keep the scheduler going.
            logger.LogError(exception, "Run {RunId} of probe {ProbeId} could not be recorded", runId, probeId);
        }
    }
}
