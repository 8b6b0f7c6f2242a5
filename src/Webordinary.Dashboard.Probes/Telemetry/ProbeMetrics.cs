using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Probes.Telemetry;

/// <summary>
/// The probes as metrics (meter <see cref="MeterName"/>), recorded from the live feed: runs by outcome, run and step
/// durations, each probe's damped health, incidents, and how late the scheduler fires; and the notifications the
/// incidents cause, by channel and outcome. Tags use the API's words: <c>probe</c>, <c>kind</c>, <c>outcome</c>
/// (<c>Pass</c>, <c>Fail</c>, …), <c>step</c>, <c>trigger</c>, <c>channel</c>. Exported by OpenTelemetry (Prometheus
/// <c>/metrics</c>, OTLP) as the configuration says.
/// </summary>
public sealed class ProbeMetrics : IHostedService, IDisposable
{
    public const string MeterName = "Webordinary.Dashboard";

    /// <summary>Seconds: a health check takes milliseconds, a cold start minutes.</summary>
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _runDuration;
    private readonly Histogram<double> _stepDuration;
    private readonly Histogram<double> _schedulerLag;
    private readonly Counter<long> _incidents;
    private readonly Counter<long> _notifications;
    private readonly Histogram<double> _notificationLatency;
    private readonly ProbeStatusFeed _feed;
    private readonly ProbeHealthTracker _health;
    private IDisposable? _subscription;

    public ProbeMetrics(IMeterFactory meters, ProbeStatusFeed feed, ProbeHealthTracker health)
    {
        (_feed, _health) = (feed, health);
        _meter = meters.Create(MeterName);
        _runs = _meter.CreateCounter<long>("webordinary.probe.runs", "{run}", "Completed probe runs, by outcome.");
        _runDuration = _meter.CreateHistogram("webordinary.probe.run.duration", "s", "How long probe runs took.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _stepDuration = _meter.CreateHistogram("webordinary.probe.step.duration", "s", "How long probe steps took.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _schedulerLag = _meter.CreateHistogram("webordinary.scheduler.lag", "s", "How late a scheduled probe run started after its fire time.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] });
        _incidents = _meter.CreateCounter<long>("webordinary.incidents", "{incident}", "Incident changes: opened, joined, merged, resolved, ended.");
        _notifications = _meter.CreateCounter<long>("webordinary.notifications", "{attempt}",
            "Notification delivery attempts by channel and outcome: Delivered, Failed (tried again later) or DeadLetter (given up).");
        _notificationLatency = _meter.CreateHistogram("webordinary.notification.latency", "s",
            "From the incident change that caused a notification to the receiver's acknowledgement.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _meter.CreateObservableGauge("webordinary.probe.health", ObserveHealth, "{up}", "A probe's damped health: 1 up, 0 down (probes not yet run are left out).");
        _meter.CreateObservableGauge("webordinary.incidents.open", () => _health.OpenIncidents.Count, "{incident}", "Open incidents (one per root cause).");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // This instance's runs: each instance's /metrics counts the runs it made, so the cluster's sum counts each once.
        _subscription = _feed.Subscribe(Record, ChangeOrigin.ThisInstance);
        _health.Changed += RecordIncident;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A scheduled run started <paramref name="lag"/> after the time it was due.</summary>
    public void RecordSchedulerLag(string probeId, TimeSpan lag) =>
        _schedulerLag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("probe", probeId));

    /// <summary>
    /// One delivery attempt to <paramref name="channel"/> (of <paramref name="kind"/>: Webhook, Slack, Email, Sns):
    /// <paramref name="outcome"/> is Delivered, Failed or DeadLetter; <paramref name="latency"/> when delivered.
    /// </summary>
    public void RecordNotification(string channel, string kind, string outcome, TimeSpan? latency)
    {
        var tags = new TagList { { "channel", channel }, { "kind", kind } };
        if (latency is { } took)
        {
            _notificationLatency.Record(Math.Max(0, took.TotalSeconds), tags);
        }

        tags.Add("outcome", outcome);
        _notifications.Add(1, tags);
    }

    private void Record(ProbeFeedEvent feedEvent)
    {
        if (feedEvent is not RunCompletedEvent { Run: var run })
        {
            return;
        }

        var probe = new KeyValuePair<string, object?>("probe", run.ProbeId);
        var kind = new KeyValuePair<string, object?>("kind", run.ProbeKind);
        var outcome = new KeyValuePair<string, object?>("outcome", run.Outcome.ToString());
        _runs.Add(1, probe, kind, outcome, new KeyValuePair<string, object?>("trigger", run.Trigger.ToString()));
        _runDuration.Record((run.DurationMs ?? 0) / 1000, probe, kind, outcome);
        foreach (var step in run.Steps)
        {
            _stepDuration.Record(step.DurationMs / 1000, probe, kind, new KeyValuePair<string, object?>("step", step.Name),
                new KeyValuePair<string, object?>("outcome", step.Outcome.ToString()));
        }
    }

    private void RecordIncident(IncidentChange change) => _incidents.Add(1,
        new KeyValuePair<string, object?>("event", change.Kind.ToString()), new KeyValuePair<string, object?>("probe", change.Incident.ProbeId));

    private IEnumerable<Measurement<int>> ObserveHealth() => _feed.GetSnapshot()
        .Where(state => state.Health != ProbeHealth.Unknown)
        .Select(state => new Measurement<int>(state.Health == ProbeHealth.Up ? 1 : 0,
            new KeyValuePair<string, object?>("probe", state.ProbeId), new KeyValuePair<string, object?>("kind", state.Kind)));

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
        _health.Changed -= RecordIncident;
    }
}
