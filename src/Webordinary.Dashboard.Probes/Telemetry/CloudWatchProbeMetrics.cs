using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Storage.Changes;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Telemetry;

/// <summary>
/// Probe outcomes as CloudWatch metrics (<c>Metrics:CloudWatch</c>): per probe and interval, <c>Success</c> (1 a run that
/// worked, 0 a failure) and <c>Duration</c> (milliseconds), dimensions <c>Probe</c> and <c>Kind</c>, each as a statistic
/// set (so an alarm on the Average of <c>Success</c> is the share of runs that worked). Planned work — Parked and
/// Maintenance runs — and interrupted runs are left out, so no alarm fires for them. One PutMetricData per interval,
/// split only where a call's limits (1,000 metrics, 1 MB) would be passed; a failed call's figures are sent with the next.
/// </summary>
public sealed class CloudWatchProbeMetrics(
    ProbeStatusFeed feed, ICloudWatchClient cloudWatch, IOptions<MetricsOptions> options, TimeProvider time, ILogger<CloudWatchProbeMetrics> logger)
    : BackgroundService
{
    /// <summary>Within PutMetricData's 1,000 metrics and 1 MB a call (a datum here is well under 1 KB).</summary>
    public const int MaxDataPerCall = 1000;

    /// <summary>What is kept when CloudWatch keeps refusing: the latest intervals.</summary>
    private const int MaxPendingIntervals = 60;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Probe, string Kind), (List<double> Success, List<double> Duration)> _current = [];
    private readonly List<MetricDatum> _pending = [];
    private IDisposable? _subscription;

    /// <summary>Subscribed before the service's loop starts (which runs on its own), so no run falls between.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // This instance's runs only: another instance sends its own, so each run's data point is sent once.
        _subscription = feed.Subscribe(Record, ChangeOrigin.ThisInstance);
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _subscription?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.CloudWatch;
        using var timer = new PeriodicTimer(settings.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PublishAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is left is published below.
        }

        await PublishAsync(CancellationToken.None);
    }

    /// <summary>Sends what was recorded since the last call (and anything a failed call left).</summary>
    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.CloudWatch;
        List<MetricDatum> data;
        lock (_gate)
        {
            var at = time.GetUtcNow();
            foreach (var ((probe, kind), values) in _current)
            {
                var dimensions = new Dictionary<string, string> { ["Probe"] = probe, ["Kind"] = kind };
                _pending.Add(new MetricDatum("Success", 0, "None", dimensions, at, MetricStatistics.Of(values.Success)));
                _pending.Add(new MetricDatum("Duration", 0, "Milliseconds", dimensions, at, MetricStatistics.Of(values.Duration)));
            }

            _current.Clear();
            if (_pending.Count > MaxPendingIntervals * MaxDataPerCall)
            {
                _pending.RemoveRange(0, _pending.Count - MaxPendingIntervals * MaxDataPerCall);
            }

            data = [.. _pending];
            _pending.Clear();
        }

        for (var sent = 0; sent < data.Count; sent += MaxDataPerCall)
        {
            var batch = data.Skip(sent).Take(MaxDataPerCall).ToList();
            try
            {
                await cloudWatch.PutMetricDataAsync(settings.Namespace, batch, cancellationToken);
            }
            catch (Exception exception) when (exception is PlatformCallException or OperationCanceledException)
            {
                logger.LogWarning("CloudWatch did not take {Count} probe metric(s); they go with the next interval: {Message}", data.Count - sent, exception.Message);
                lock (_gate)
                {
                    _pending.InsertRange(0, data.Skip(sent));
                }

                return;
            }
        }
    }

    private void Record(ProbeFeedEvent feedEvent)
    {
        if (feedEvent is not RunCompletedEvent { Run: var run } || run.Outcome is not (ProbeOutcome.Pass or ProbeOutcome.Degraded or ProbeOutcome.Fail))
        {
            return;
        }

        lock (_gate)
        {
            if (!_current.TryGetValue((run.ProbeId, run.ProbeKind), out var values))
            {
                values = ([], []);
                _current[(run.ProbeId, run.ProbeKind)] = values;
            }

            values.Success.Add(run.Outcome == ProbeOutcome.Fail ? 0 : 1);
            values.Duration.Add(run.DurationMs ?? 0);
        }
    }
}
