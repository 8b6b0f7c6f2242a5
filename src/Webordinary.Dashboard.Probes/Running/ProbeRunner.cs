using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Probes.Running;

/// <summary>
/// Runs one probe once and announces it (started, each step, completed), always in that order. A run is stored when it
/// ends, before it is announced as completed; one still going after <see cref="StoreRunningAfter"/> is stored as
/// running from then on, with each step as it completes, so that a crash leaves it in the store (and the next start
/// marks it Interrupted). Most runs take milliseconds: they cost one write, not one per step.
/// Enforces the probe's hard timeout: the probe's token fires at <see cref="ProbeSettings.Timeout"/>, and a probe
/// that ignores it is abandoned after a further grace period so a hung call never holds the scheduler thread.
/// A failure explained by planned work (<see cref="PlannedWork"/>) is recorded as Maintenance; a run inside a
/// maintenance window records the window.
/// </summary>
public sealed class ProbeRunner(
    IResultsStore store,
    ProbeStatusFeed feed,
    Health.ProbeHealthTracker health,
    PlannedWork planned,
    MaintenanceWindows windows,
    TimeProvider time,
    ILogger<ProbeRunner> logger)
{
    public const string InterruptedMessage = "Interrupted: the dashboard stopped during the run.";

    /// <summary>After the run's token fires, how long cleanup steps get before the run is given up.</summary>
    public static readonly TimeSpan CleanupGrace = TimeSpan.FromSeconds(5);

    /// <summary>How long a run goes unstored: a run this short that a crash cuts off leaves no row.</summary>
    public static readonly TimeSpan StoreRunningAfter = TimeSpan.FromSeconds(1);

    /// <param name="onHealth">Told what the run did to the probe's damped status (e.g. that a failure wants confirming).</param>
    public async Task<ProbeRun> RunAsync(IProbe probe, ProbeSettings settings, string runId, RunTrigger trigger, CancellationToken stopping,
        Action<Health.HealthChange>? onHealth = null)
    {
        // Every line logged during the run (the AWS clients', the store's, the health tracker's) carries the probe and
        // the run as fields: the JSON console log's scopes.
        using var scope = logger.BeginScope("Probe {ProbeId} run {RunId}", probe.Id, runId);
        var started = new ProbeRun(runId, probe.Id, probe.Kind, trigger, time.GetUtcNow(), null, null, ProbeOutcome.Unknown, null, []);
        var writes = new RunWrites(store, started, logger);
        feed.Publish(new RunStartedEvent(started));
        using var storeRunning = time.CreateTimer(_ => writes.StoreRunningInBackground(), null, StoreRunningAfter, Timeout.InfiniteTimeSpan);

        var timestamp = Stopwatch.GetTimestamp();
        var context = new ProbeContext(runId, probe.Id, time, async step =>
        {
            await writes.StepAsync(step);
            feed.Publish(new StepCompletedEvent(started with { Steps = [] }, step));
        });

        using var runTimeout = new CancellationTokenSource(settings.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, runTimeout.Token);
        string? runFailure = null;
        StepFailure? inFlightFailure = null;
        try
        {
            await probe.RunAsync(context, linked.Token).WaitAsync(settings.Timeout + CleanupGrace, time, CancellationToken.None);
        }
        catch (ProbeStepFailedException)
        {
            // Recorded on the step.
        }
        catch (TimeoutException)
        {
            runFailure = $"Abandoned: the probe did not stop within {(settings.Timeout + CleanupGrace).TotalSeconds:0.#} s.";
            inFlightFailure = StepFailures.Timeout(settings.Timeout, "run timeout; the call did not return");
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The probe let the cancellation escape outside a step; the message below says why.
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Probe {ProbeId} threw outside a step", probe.Id);
            runFailure = $"Probe error: {exception.GetType().Name}: {exception.Message}";
        }

        var steps = context.Seal(inFlightFailure);
        var elapsed = Stopwatch.GetElapsedTime(timestamp);
        var (outcome, message) = Decide(context, steps, settings, elapsed, runFailure,
            timedOut: runTimeout.IsCancellationRequested, stopping: stopping.IsCancellationRequested);
        var serviceParked = outcome == ProbeOutcome.Parked;
        // A failure while the dashboard's own change rolls out, or while the service is parked, is planned work; an
        // outage that was already Down before the change stays a failure (it is not the change's).
        if (outcome == ProbeOutcome.Fail && !stopping.IsCancellationRequested
            && await ExplainAsync(probe.Id, started.StartedAt) is { } reason && (reason.Parked || health.HealthOf(probe.Id) != Health.ProbeHealth.Down))
        {
            (outcome, message) = (ProbeOutcome.Maintenance, $"{reason.Message} — {message}");
            serviceParked = reason.Parked;
        }

        var completed = started with
        {
            EndedAt = time.GetUtcNow(),
            DurationMs = elapsed.TotalMilliseconds,
            Outcome = outcome,
            Message = message,
            Steps = steps,
            Metrics = context.Metrics is { Count: > 0 } metrics ? metrics : null,
            MaintenanceWindow = windows.ActiveFor(probe.Id, started.StartedAt)?.Describe(),
        };
        await writes.CompleteAsync(completed);
        var before = health.HealthOf(completed.ProbeId);
        var change = await health.ApplyAsync(settings, completed, serviceParked);
        feed.Publish(new RunCompletedEvent(completed, change.Health, change.Health != before));
        onHealth?.Invoke(change);
        return completed;
    }

    /// <summary>Planned work behind a failure, asked within a short limit: an answer that does not come leaves the failure standing.</summary>
    private async Task<PlannedReason?> ExplainAsync(string probeId, DateTimeOffset runStartedAt)
    {
        using var limit = new CancellationTokenSource(CleanupGrace, time);
        try
        {
            return await planned.ExplainAsync(probeId, runStartedAt, limit.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static (ProbeOutcome, string) Decide(
        ProbeContext context, IReadOnlyList<StepResult> steps, ProbeSettings settings, TimeSpan elapsed,
        string? runFailure, bool timedOut, bool stopping)
    {
        var failed = steps.FirstOrDefault(s => s.Outcome == StepOutcome.Fail);
        if (stopping)
        {
            return (ProbeOutcome.Interrupted, InterruptedMessage);
        }

        if (timedOut)
        {
            var at = failed is null ? "" : $" at step '{failed.Name}'";
            return (ProbeOutcome.Fail, $"Timed out after {settings.Timeout.TotalSeconds:0.###} s{at}.");
        }

        if (runFailure is not null)
        {
            return (ProbeOutcome.Fail, runFailure);
        }

        if (failed is not null)
        {
            return (ProbeOutcome.Fail, $"{failed.Name}: {FormatFailure(failed.Failure!)}");
        }

        if (context.ParkedReason is { } parked)
        {
            return (ProbeOutcome.Parked, parked);
        }

        if (context.DegradedReasons is [var first, ..])
        {
            return (ProbeOutcome.Degraded, first);
        }

        if (settings.SlowThreshold is { } slow && elapsed > slow)
        {
            return (ProbeOutcome.Degraded, $"Slow: took {elapsed.TotalMilliseconds:0} ms (threshold {slow.TotalMilliseconds:0} ms).");
        }

        return (ProbeOutcome.Pass, context.Summary ?? steps.LastOrDefault()?.Detail ?? "OK");
    }

    /// <summary>"ServiceUnavailable (HTTP 503, request 1f2e…): message": the one line an operator reads first.</summary>
    public static string FormatFailure(StepFailure failure)
    {
        // A fact the message already states is not said again ("(HTTP 503) … answered HTTP 503").
        bool Said(string fact) => failure.Message.Contains(fact, StringComparison.OrdinalIgnoreCase);
        var facts = new List<string>();
        if (failure.HttpStatus is { } status && !Said($"HTTP {status}"))
        {
            facts.Add($"HTTP {status}");
        }

        if (failure.RequestId is { } requestId && !Said(requestId))
        {
            facts.Add($"request {requestId}");
        }

        var code = failure.ErrorCode is { } errorCode && !Said(errorCode) ? errorCode : null;
        var head = (code, facts.Count) switch
        {
            (null, 0) => "",
            (null, _) => $"({string.Join(", ", facts)}) ",
            (_, 0) => $"{code}: ",
            _ => $"{code} ({string.Join(", ", facts)}): ",
        };
        return head + failure.Message;
    }

    /// <summary>One run's writes, in order: nothing until it has gone on for <see cref="StoreRunningAfter"/> or ended.</summary>
    private sealed class RunWrites(IResultsStore store, ProbeRun started, ILogger logger)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly List<StepResult> _unstoredSteps = [];
        private bool _stored;
        private bool _ended;

        public void StoreRunningInBackground() => _ = StoreRunningAsync();

        public async Task StepAsync(StepResult step)
        {
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                if (_stored)
                {
                    await store.InsertStepAsync(started.Id, step, CancellationToken.None);
                }
                else
                {
                    _unstoredSteps.Add(step);
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task CompleteAsync(ProbeRun completed)
        {
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                _ended = true;
                await (_stored
                    ? store.CompleteRunAsync(completed, CancellationToken.None)
                    : store.InsertCompletedRunAsync(completed, CancellationToken.None));
            }
            finally
            {
                _gate.Release();
            }
        }

        private async Task StoreRunningAsync()
        {
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                if (_stored || _ended)
                {
                    return;
                }

                await store.InsertRunAsync(started, CancellationToken.None);
                _stored = true;
                foreach (var step in _unstoredSteps)
                {
                    await store.InsertStepAsync(started.Id, step, CancellationToken.None);
                }

                _unstoredSteps.Clear();
            }
            catch (Exception exception)
            {
                // Not a storage failure (those are kept and retried by the store): the end still writes every step.
                logger.LogError(exception, "Run {RunId} of {ProbeId} could not be stored as running", started.Id, started.ProbeId);
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
