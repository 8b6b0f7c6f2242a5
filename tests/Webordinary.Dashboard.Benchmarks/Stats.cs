using System.Diagnostics;
using System.Globalization;

namespace Webordinary.Dashboard.Benchmarks;

public static class Stats
{
    /// <summary>Nearest-rank percentile (p in 0..100) of values; NaN when there are none.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>"p50 1.2 · p99 3.4 · max 5.6 ms" for the given percentiles (100 is written max).</summary>
    public static string Summary(IReadOnlyCollection<double> valuesMs, params double[] percentiles)
    {
        if (valuesMs.Count == 0)
        {
            return "no samples";
        }

        var parts = percentiles.Select(p => $"{(p >= 100 ? "max" : $"p{p:0}")} {Ms(Percentile(valuesMs, p))}");
        return string.Join(" · ", parts) + " ms";
    }

    public static string Ms(double milliseconds) => milliseconds.ToString(Math.Abs(milliseconds) >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture);

    public static double ElapsedMs(long fromTimestamp, long toTimestamp) => Stopwatch.GetElapsedTime(fromTimestamp, toTimestamp).TotalMilliseconds;

    /// <summary>Wall clock as Unix milliseconds with sub-millisecond precision (the unit of a page's timeOrigin).</summary>
    public static double UnixMsNow() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    public static string Mb(long bytes) => $"{bytes / 1048576.0:0} MB";
}
