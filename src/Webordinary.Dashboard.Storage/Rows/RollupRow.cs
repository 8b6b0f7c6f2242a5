using System.Text.Json;
using Webordinary.Dashboard.Probes.History;

namespace Webordinary.Dashboard.Storage.Rows;

/// <summary>A rollup as every engine stores it (<c>rollups</c>' columns; the stats as JSON text, times in Unix milliseconds).</summary>
public sealed class RollupRow
{
    public string ProbeId { get; init; } = "";
    public string Resolution { get; init; } = "";
    public long BucketStart { get; init; }
    public long Runs { get; init; }
    public long Passes { get; init; }
    public long Degraded { get; init; }
    public long Fails { get; init; }
    public long Parked { get; init; }
    public double ParkedMs { get; init; }
    public double? P50Ms { get; init; }
    public double? P95Ms { get; init; }
    public double? MaxMs { get; init; }
    public string? StepStats { get; init; }
    public string? MetricStats { get; init; }
    public long Maintenance { get; init; }
    public long Interrupted { get; init; }
    public long UpMs { get; init; }
    public long DownMs { get; init; }
    public long ExcludedMs { get; init; }
    public long? CoveredFrom { get; init; }

    /// <summary>The columns a query reads a row by (JSON columns as text on every engine).</summary>
    public const string Columns =
        """
        probe_id AS ProbeId, resolution AS Resolution, bucket_start AS BucketStart, runs AS Runs, passes AS Passes, degraded AS Degraded,
        fails AS Fails, parked AS Parked, parked_ms AS ParkedMs, p50_ms AS P50Ms, p95_ms AS P95Ms, max_ms AS MaxMs, CAST(step_stats AS text) AS StepStats,
        CAST(metric_stats AS text) AS MetricStats, maintenance AS Maintenance, interrupted AS Interrupted, up_ms AS UpMs, down_ms AS DownMs, excluded_ms AS ExcludedMs,
        covered_from AS CoveredFrom
        """;

    public static RollupRow From(Rollup r) => new()
    {
        ProbeId = r.ProbeId,
        Resolution = r.Resolution.ToString(),
        BucketStart = r.BucketStart.ToUnixTimeMilliseconds(),
        Runs = r.Runs,
        Passes = r.Passes,
        Degraded = r.Degraded,
        Fails = r.Fails,
        Parked = r.Parked,
        ParkedMs = r.ParkedMs,
        P50Ms = r.P50Ms,
        P95Ms = r.P95Ms,
        MaxMs = r.MaxMs,
        StepStats = r.Steps is null ? null : JsonSerializer.Serialize(r.Steps),
        MetricStats = r.Metrics is null ? null : JsonSerializer.Serialize(r.Metrics),
        Maintenance = r.Maintenance,
        Interrupted = r.Interrupted,
        UpMs = r.UpMs,
        DownMs = r.DownMs,
        ExcludedMs = r.ExcludedMs,
        CoveredFrom = r.CoveredFrom?.ToUnixTimeMilliseconds(),
    };

    public Rollup ToRollup() => new(ProbeId, Enum.Parse<RollupResolution>(Resolution), DateTimeOffset.FromUnixTimeMilliseconds(BucketStart),
        (int)Runs, (int)Passes, (int)Degraded, (int)Fails, (int)Parked, ParkedMs, P50Ms, P95Ms, MaxMs,
        StepStats is null ? null : JsonSerializer.Deserialize<Dictionary<string, StepStats>>(StepStats),
        MetricStats is null ? null : JsonSerializer.Deserialize<Dictionary<string, StepStats>>(MetricStats), (int)Maintenance, (int)Interrupted,
        UpMs, DownMs, ExcludedMs, CoveredFrom is { } coveredFrom ? DateTimeOffset.FromUnixTimeMilliseconds(coveredFrom) : null);
}
