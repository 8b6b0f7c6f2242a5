using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.History;

/// <summary>How the time a run's outcome holds counts for uptime.</summary>
public enum UptimeState
{
    /// <summary>Pass or Degraded (a slow answer is still an answer).</summary>
    Up,

    /// <summary>Fail.</summary>
    Down,

    /// <summary>Parked, Maintenance (or any run in a maintenance window) and Interrupted: neither up nor down.</summary>
    Excluded,
}

/// <summary>A completed run as uptime sees it: when it started and what its outcome says about the time after.</summary>
public readonly record struct UptimeSample(DateTimeOffset StartedAt, UptimeState State)
{
    public static UptimeSample Of(ProbeRun run) => new(run.StartedAt, StateOf(run.Outcome, run.MaintenanceWindow is not null));

    public static UptimeState StateOf(ProbeOutcome outcome, bool inMaintenanceWindow) => outcome switch
    {
        _ when inMaintenanceWindow => UptimeState.Excluded,
        ProbeOutcome.Pass or ProbeOutcome.Degraded => UptimeState.Up,
        ProbeOutcome.Fail => UptimeState.Down,
        _ => UptimeState.Excluded,
    };
}

/// <summary>
/// Milliseconds up, down and excluded in a stretch, and the first instant of it that counts (up or down), if any.
/// Whole milliseconds, so sums over buckets equal the sum over the stretch exactly.
/// </summary>
public readonly record struct UptimeTime(long UpMs, long DownMs, long ExcludedMs, DateTimeOffset? Since = null)
{
    /// <summary>The time the uptime figure is over: up and down (excluded time is data, but neither).</summary>
    public long CoveredMs => UpMs + DownMs;

    public static UptimeTime operator +(UptimeTime a, UptimeTime b) => new(a.UpMs + b.UpMs, a.DownMs + b.DownMs, a.ExcludedMs + b.ExcludedMs,
        a.Since is { } x && b.Since is { } y ? (x < y ? x : y) : a.Since ?? b.Since);
}

/// <summary>
/// Uptime as the share of time up. Each run's outcome holds from its start until the next run of the probe starts, for
/// at most the probe's interval + timeout (<see cref="UptimeSpanLimits"/>); after that the time is no data. So a
/// recheck 15 s after a failure shortens the failed run's span instead of adding a run's weight, and a stopped
/// dashboard does not count as up or down. A span crossing a bucket's edge is split between the buckets.
/// </summary>
public static class UptimeSpans
{
    /// <summary>
    /// The time of <paramref name="runs"/> (one probe's, in start order, including the last run before
    /// <paramref name="from"/> whose span may reach into it) in each of <paramref name="buckets"/> buckets of
    /// <paramref name="bucketLength"/> from <paramref name="from"/>. <paramref name="nextStart"/>: when the run after
    /// the last one started, if one did.
    /// </summary>
    public static UptimeTime[] Split(IReadOnlyList<UptimeSample> runs, DateTimeOffset? nextStart, TimeSpan cap, DateTimeOffset from, TimeSpan bucketLength, int buckets)
    {
        var result = new UptimeTime[buckets];
        var origin = from.ToUnixTimeMilliseconds();
        var length = (long)bucketLength.TotalMilliseconds;
        var end = origin + (length * buckets);
        foreach (var (start, stop, state) in Spans(runs, nextStart, cap))
        {
            var clippedStart = Math.Max(start, origin);
            var clippedStop = Math.Min(stop, end);
            while (clippedStart < clippedStop)
            {
                var bucket = (int)((clippedStart - origin) / length);
                var bucketEnd = Math.Min(origin + ((bucket + 1) * length), clippedStop);
                result[bucket] += Of(state, bucketEnd - clippedStart, clippedStart);
                clippedStart = bucketEnd;
            }
        }

        return result;
    }

    /// <summary>The time of <paramref name="runs"/> in [<paramref name="from"/>, <paramref name="to"/>) (see <see cref="Split"/>).</summary>
    public static UptimeTime Within(IReadOnlyList<UptimeSample> runs, DateTimeOffset? nextStart, TimeSpan cap, DateTimeOffset from, DateTimeOffset to)
    {
        var total = new UptimeTime();
        foreach (var (start, stop, state) in Spans(runs, nextStart, cap))
        {
            var clippedStart = Math.Max(start, from.ToUnixTimeMilliseconds());
            var clippedStop = Math.Min(stop, to.ToUnixTimeMilliseconds());
            if (clippedStart < clippedStop)
            {
                total += Of(state, clippedStop - clippedStart, clippedStart);
            }
        }

        return total;
    }

    private static IEnumerable<(long Start, long Stop, UptimeState State)> Spans(IReadOnlyList<UptimeSample> runs, DateTimeOffset? nextStart, TimeSpan cap)
    {
        var capMs = (long)cap.TotalMilliseconds;
        for (var i = 0; i < runs.Count; i++)
        {
            var start = runs[i].StartedAt.ToUnixTimeMilliseconds();
            var next = i + 1 < runs.Count ? runs[i + 1].StartedAt : nextStart;
            var stop = Math.Min(start + capMs, next?.ToUnixTimeMilliseconds() ?? long.MaxValue);
            if (stop > start)
            {
                yield return (start, stop, runs[i].State);
            }
        }
    }

    private static UptimeTime Of(UptimeState state, long ms, long at) => state switch
    {
        UptimeState.Up => new(ms, 0, 0, DateTimeOffset.FromUnixTimeMilliseconds(at)),
        UptimeState.Down => new(0, ms, 0, DateTimeOffset.FromUnixTimeMilliseconds(at)),
        _ => new(0, 0, ms),
    };
}

/// <summary>
/// How long a run's outcome may hold for uptime, per probe: its interval (or its cron's gap) + its timeout. A probe
/// not configured any more (only its history is left) gets <see cref="Unconfigured"/>'s cap.
/// </summary>
public sealed class UptimeSpanLimits(IReadOnlyDictionary<string, TimeSpan> caps)
{
    /// <summary>The cap of a probe this dashboard does not run (any more).</summary>
    public static readonly TimeSpan DefaultCap = TimeSpan.FromMinutes(10);

    /// <summary>No probe configured: every probe's runs hold for <see cref="DefaultCap"/> at most.</summary>
    public static UptimeSpanLimits Unconfigured { get; } = new(new Dictionary<string, TimeSpan>());

    public TimeSpan CapFor(string probeId) => caps.TryGetValue(probeId, out var cap) ? cap : DefaultCap;
}
