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
    };

    public Rollup ToRollup() => new(ProbeId, Enum.Parse<RollupResolution>(Resolution), DateTimeOffset.FromUnixTimeMilliseconds(BucketStart),
        (int)Runs, (int)Passes, (int)Degraded, (int)Fails, (int)Parked, ParkedMs, P50Ms, P95Ms, MaxMs,
        StepStats is null ? null : JsonSerializer.Deserialize<Dictionary<string, StepStats>>(StepStats),
        MetricStats is null ? null : JsonSerializer.Deserialize<Dictionary<string, StepStats>>(MetricStats), (int)Maintenance, (int)Interrupted);
}
