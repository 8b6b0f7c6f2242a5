using System.Diagnostics;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Running;

/// <summary>
/// One run of one probe: records its steps, each timed, stored and announced as it completes. A step that throws
/// is recorded as failed and the run unwinds with <see cref="ProbeStepFailedException"/>; cleanup steps run anyway.
/// Once the run is sealed (finished, or given up after its hard timeout) late steps are ignored, so a hung call that
/// returns later cannot change a result that was already announced.
/// </summary>
public sealed class ProbeContext
{
    /// <summary>How long a cleanup step may take; it runs on its own token, also after the run's token fired.</summary>
    public static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly List<StepResult> _steps = [];
    private readonly Dictionary<int, (string Name, DateTimeOffset StartedAt, long Timestamp)> _inFlight = [];
    private readonly List<string> _degradedReasons = [];
    private readonly Dictionary<string, double> _metrics = [];
    private readonly Func<StepResult, Task> _onStepCompleted;
    private readonly TimeProvider _time;
    private int _nextInFlightId;
    private bool _sealed;

    public ProbeContext(string runId, string probeId, TimeProvider time, Func<StepResult, Task> onStepCompleted)
    {
        RunId = runId;
        ProbeId = probeId;
        _time = time;
        _onStepCompleted = onStepCompleted;
    }

    public string RunId { get; }

    public string ProbeId { get; }

    public TimeProvider Time => _time;

    /// <summary>Set by <see cref="Park"/>: the target is deliberately scaled to 0.</summary>
    public string? ParkedReason { get; private set; }

    /// <summary>Line shown for the run when it passes; defaults to the last step's detail.</summary>
    public string? Summary { get; set; }

    public IReadOnlyList<StepResult> Steps
    {
        get
        {
            lock (_gate)
            {
                return [.. _steps];
            }
        }
    }

    public IReadOnlyList<string> DegradedReasons
    {
        get
        {
            lock (_gate)
            {
                return [.. _degradedReasons];
            }
        }
    }

    /// <summary>Named figures of the run (milliseconds unless the name says otherwise), e.g. the cold-start split.</summary>
    public IReadOnlyDictionary<string, double> Metrics
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, double>(_metrics);
            }
        }
    }

    public void Record(string metric, double value)
    {
        lock (_gate)
        {
            _metrics[metric] = Math.Round(value, 1);
        }
    }

    /// <summary>The target service is parked (desired count 0): the run ends Parked, not Fail.</summary>
    public void Park(string reason) => ParkedReason = reason;

    public void Degrade(string reason)
    {
        lock (_gate)
        {
            _degradedReasons.Add(reason);
        }
    }

    public async Task StepAsync(string name, Func<StepScope, Task> body, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        await StepAsync<bool>(name, async scope =>
        {
            await body(scope);
            return true;
        }, cancellationToken, timeout);

    /// <summary>Runs one step. Throws <see cref="ProbeStepFailedException"/> when it fails (already recorded).</summary>
    public async Task<T> StepAsync<T>(string name, Func<StepScope, Task<T>> body, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var (result, value) = await RunStepAsync(name, body, cancellationToken, timeout);
        if (result.Outcome == StepOutcome.Fail)
        {
            throw new ProbeStepFailedException(name);
        }

        return value!;
    }

    /// <summary>
    /// A step whose failure the probe can work around (e.g. Hermes unreachable → DynamoDB fallback): a failure is
    /// recorded on the step as Degraded, with its reason, and the run goes on; the caller gets null.
    /// </summary>
    public async Task<T?> AttemptAsync<T>(string name, Func<StepScope, Task<T>> body, CancellationToken cancellationToken, TimeSpan? timeout = null,
        Func<Exception, bool>? tolerate = null)
        where T : class
    {
        var (result, value) = await RunStepAsync(name, body, cancellationToken, timeout, tolerate ?? (_ => true));
        if (result.Outcome == StepOutcome.Fail)
        {
            throw new ProbeStepFailedException(name);
        }

        return result.Failure is null ? value : null;
    }

    /// <summary>
    /// A step that must run whatever happened before (delete what the probe created). It gets its own token
    /// (<see cref="CleanupTimeout"/>), never throws, and a failure still fails the run: a leak is a bug. Throttling
    /// and 5xx are retried by the AWS clients themselves (the SDK's standard mode), not here again.
    /// </summary>
    public async Task CleanupAsync(string name, Func<StepScope, Task> body)
    {
        using var cleanupTimeout = new CancellationTokenSource(CleanupTimeout, _time);
        await RunStepAsync<bool>(name, async scope =>
        {
            await body(scope);
            return true;
        }, cleanupTimeout.Token, CleanupTimeout);
    }

    private async Task<(StepResult Result, T? Value)> RunStepAsync<T>(
        string name, Func<StepScope, Task<T>> body, CancellationToken cancellationToken, TimeSpan? timeout, Func<Exception, bool>? tolerate = null)
    {
        using var stepTimeout = timeout is { } limit ? new CancellationTokenSource(limit, _time) : null;
        using var linked = stepTimeout is null
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stepTimeout.Token);
        var scope = new StepScope(linked.Token);
        var startedAt = _time.GetUtcNow();
        var timestamp = Stopwatch.GetTimestamp();
        int inFlightId;
        lock (_gate)
        {
            inFlightId = _nextInFlightId++;
            _inFlight[inFlightId] = (name, startedAt, timestamp);
        }

        T? value = default;
        StepFailure? failure = null;
        Exception? caught = null;
        try
        {
            value = await body(scope);
        }
        catch (OperationCanceledException) when (stepTimeout?.IsCancellationRequested == true)
        {
            failure = StepFailures.Timeout(timeout!.Value, "step timeout");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run's own token: its timeout or the app stopping. The runner words the run's message.
            failure = new StepFailure("Timeout", "Cancelled: the run's time limit was reached or the dashboard is stopping.");
        }
        catch (Exception exception)
        {
            caught = exception;
            failure = StepFailures.From(exception);
        }

        var elapsed = Stopwatch.GetElapsedTime(timestamp);
        // The run's own cancellation is never tolerated: a stopping dashboard or a timeout ends the run.
        var tolerated = caught is not null && tolerate?.Invoke(caught) == true && !cancellationToken.IsCancellationRequested;
        var outcome = failure is not null ? (tolerated ? StepOutcome.Degraded : StepOutcome.Fail)
            : scope.DegradedReason is not null ? StepOutcome.Degraded : StepOutcome.Pass;
        StepResult result;
        lock (_gate)
        {
            _inFlight.Remove(inFlightId);
            result = new StepResult(_steps.Count, name, outcome, startedAt, elapsed.TotalMilliseconds,
                scope.Detail ?? scope.DegradedReason, failure);
            if (_sealed)
            {
                return (result, value);
            }

            _steps.Add(result);
            if (scope.DegradedReason is { } reason)
            {
                _degradedReasons.Add($"{name}: {reason}");
            }
        }

        await _onStepCompleted(result);
        return (result, value);
    }

    /// <summary>
    /// Ends the recording: steps still in flight are recorded as failed with <paramref name="inFlightFailure"/>
    /// (the run's hard timeout), and anything that completes later is ignored.
    /// </summary>
    internal IReadOnlyList<StepResult> Seal(StepFailure? inFlightFailure)
    {
        lock (_gate)
        {
            _sealed = true;
            if (inFlightFailure is not null)
            {
                foreach (var (_, (name, startedAt, timestamp)) in _inFlight.OrderBy(p => p.Key))
                {
                    _steps.Add(new StepResult(_steps.Count, name, StepOutcome.Fail, startedAt,
                        Stopwatch.GetElapsedTime(timestamp).TotalMilliseconds, null, inFlightFailure));
                }

                _inFlight.Clear();
            }

            return [.. _steps];
        }
    }
}
