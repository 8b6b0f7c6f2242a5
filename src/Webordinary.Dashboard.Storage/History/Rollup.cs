using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.History;

public enum RollupResolution
{
    Hour,
    Day,
}

/// <summary>p50 and p95 of a step's duration, or of a run metric (e.g. the cold-start split), in a bucket.</summary>
public sealed record StepStats(double P50Ms, double P95Ms);

/// <summary>One probe's runs in one hour or day, aggregated. Percentiles are nearest-rank over completed runs.</summary>
public sealed record Rollup(
    string ProbeId,
    RollupResolution Resolution,
    DateTimeOffset BucketStart,
    int Runs,
    int Passes,
    int Degraded,
    int Fails,
    int Parked,
    double ParkedMs,
    double? P50Ms,
    double? P95Ms,
    double? MaxMs,
    IReadOnlyDictionary<string, StepStats>? Steps,
    IReadOnlyDictionary<string, StepStats>? Metrics = null,
    int Maintenance = 0,
    int Interrupted = 0,
    long UpMs = 0,
    long DownMs = 0,
    long ExcludedMs = 0,
    DateTimeOffset? CoveredFrom = null)
{
    /// <summary>The runs that count for uptime: passes, degraded and fails (outside maintenance windows).</summary>
    public int Counted => Passes + Degraded + Fails;

    /// <summary>The share of the bucket's counted time that was up (<see cref="UptimeSpans"/>); null: no time counted.</summary>
    public double? Uptime => UpMs + DownMs == 0 ? null : (double)UpMs / (UpMs + DownMs);

    /// <summary>
    /// Aggregates the runs of one probe in one bucket. Parked time is the bucket's share of parked runs. Passes,
    /// degraded and fails are the counted runs; a run in a maintenance window counts as <see cref="Maintenance"/>.
    /// </summary>
    public static Rollup From(string probeId, RollupResolution resolution, DateTimeOffset bucketStart, TimeSpan bucketLength, IReadOnlyList<ProbeRun> runs)
    {
        var durations = runs.Select(r => r.DurationMs ?? 0).Order().ToArray();
        var parked = runs.Count(r => r.Outcome == ProbeOutcome.Parked);
        var steps = runs.SelectMany(r => r.Steps).GroupBy(s => s.Name)
            .ToDictionary(g => g.Key, g =>
            {
                var sorted = g.Select(s => s.DurationMs).Order().ToArray();
                return new StepStats(Percentile(sorted, 0.50), Percentile(sorted, 0.95));
            });
        var metrics = runs.Where(r => r.Metrics is not null).SelectMany(r => r.Metrics!).GroupBy(m => m.Key)
            .ToDictionary(g => g.Key, g =>
            {
                var sorted = g.Select(m => m.Value).Order().ToArray();
                return new StepStats(Percentile(sorted, 0.50), Percentile(sorted, 0.95));
            });
        return new Rollup(probeId, resolution, bucketStart, runs.Count,
            runs.Count(r => r.IsCounted && r.Outcome == ProbeOutcome.Pass), runs.Count(r => r.IsCounted && r.Outcome == ProbeOutcome.Degraded),
            runs.Count(r => r.IsCounted && r.Outcome == ProbeOutcome.Fail), parked,
            runs.Count == 0 ? 0 : bucketLength.TotalMilliseconds * parked / runs.Count,
            durations.Length == 0 ? null : Percentile(durations, 0.50),
            durations.Length == 0 ? null : Percentile(durations, 0.95),
            durations.Length == 0 ? null : durations[^1],
            steps.Count == 0 ? null : steps,
            metrics.Count == 0 ? null : metrics,
            runs.Count(r => r.Outcome == ProbeOutcome.Maintenance || (r.MaintenanceWindow is not null && r.Outcome is ProbeOutcome.Pass or ProbeOutcome.Degraded or ProbeOutcome.Fail)),
            runs.Count(r => r.Outcome == ProbeOutcome.Interrupted));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// Share of the counted time that was up (<see cref="UptimeSpans"/>: Pass or Degraded, of those and Fail; parked,
/// planned and interrupted time is excluded), over <see cref="CoveredSeconds"/> of data since <see cref="Since"/>
/// (for the platform: the best-covered probe's). Null: no time counted. The run counts are kept alongside.
/// </summary>
public sealed record UptimeWindow(string Window, TimeSpan Length, double? Uptime, int Runs, int Failed, int Parked, int Maintenance = 0, int Interrupted = 0,
    double CoveredSeconds = 0, DateTimeOffset? Since = null)
{
    /// <summary>Less data than the window's length (by more than a minute's rounding): the figure is over that much, not the window.</summary>
    public bool IsPartial => CoveredSeconds < Length.TotalSeconds - 60;
}
