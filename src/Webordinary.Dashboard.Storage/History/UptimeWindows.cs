using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Storage;

/// <summary>What an engine reads for uptime and rollups; what the figures mean is <see cref="UptimeWindows"/>' and <see cref="UptimeSpans"/>'.</summary>
public interface IUptimeReader
{
    Task<DateTimeOffset> MarkAsync(string mark);

    /// <summary>The sums of the rollups of buckets starting in [from, to), per probe.</summary>
    Task<IReadOnlyList<RollupTotals>> RollupTotalsAsync(string? probeId, RollupResolution resolution, DateTimeOffset from, DateTimeOffset to);

    /// <summary>Completed runs that started in [from, to) (or [from, to] with <paramref name="includeTo"/>), in start order.</summary>
    Task<IReadOnlyList<RunOutcome>> RunOutcomesAsync(string? probeId, DateTimeOffset from, DateTimeOffset to, bool includeTo);

    /// <summary>Per probe: its last completed run that started before <paramref name="from"/> and when its first completed run at or after <paramref name="to"/> started.</summary>
    Task<IReadOnlyList<RunNeighbours>> NeighboursAsync(string? probeId, DateTimeOffset from, DateTimeOffset to);
}

/// <summary>One probe's rollups of a stretch added up; <see cref="FirstCovered"/>: the first bucket with up or down time.</summary>
public sealed record RollupTotals(string ProbeId, long Runs, long Failed, long Parked, long Maintenance, long Interrupted,
    long UpMs, long DownMs, long ExcludedMs, DateTimeOffset? FirstCovered);

/// <summary>A completed run's start and outcome, and whether it fell in a maintenance window.</summary>
public sealed record RunOutcome(string ProbeId, DateTimeOffset StartedAt, ProbeOutcome Outcome, bool InMaintenanceWindow)
{
    public UptimeSample Sample => new(StartedAt, UptimeSample.StateOf(Outcome, InMaintenanceWindow));
}

/// <summary>The runs around a stretch of one probe: the one before it (whose span may reach in) and the start of the one after it (which ends the last span).</summary>
public sealed record RunNeighbours(string ProbeId, RunOutcome? Before, DateTimeOffset? NextStart);

/// <summary>
/// Uptime over 24 h, 7 d, 30 d and 365 d, the same on every engine: whole days already rolled up come from the daily
/// rollups, the hours around them from the hourly ones, and only the edges (the window's first partial hour, the last
/// hour or two not rolled up yet) from raw runs through <see cref="UptimeSpans"/>: a year of 50 probes is about 20,000
/// rows to add up instead of millions of runs.
/// </summary>
public static class UptimeWindows
{
    public static readonly IReadOnlyList<(string Name, TimeSpan Length)> Lengths =
        [("24h", TimeSpan.FromHours(24)), ("7d", TimeSpan.FromDays(7)), ("30d", TimeSpan.FromDays(30)), ("365d", TimeSpan.FromDays(365))];

    public static async Task<IReadOnlyList<UptimeWindow>> ComputeAsync(IUptimeReader reader, UptimeSpanLimits limits, string? probeId, DateTimeOffset now)
    {
        var hour = TimeSpan.FromHours(1);
        var rawFrom = await reader.MarkAsync(HistoryMarks.RawDeletedBefore);
        var hourFrom = await reader.MarkAsync(HistoryMarks.HourDeletedBefore);
        var hourDone = await reader.MarkAsync(HistoryMarks.HourDone);
        var dayDone = await reader.MarkAsync(HistoryMarks.DayDone);
        // The raw runs after the last rolled-up hour are the same stretch for every window: read once.
        var tails = new Dictionary<DateTimeOffset, Dictionary<string, Tally>>();
        async Task<Dictionary<string, Tally>> TailAsync(DateTimeOffset from) =>
            tails.TryGetValue(from, out var tally) ? tally : tails[from] = await RawAsync(reader, limits, probeId, from, now, includeTo: true);

        var windows = new List<UptimeWindow>();
        foreach (var (name, length) in Lengths)
        {
            var start = now - length;
            var rawStart = Max(start, rawFrom);
            var hoursFrom = Max(HistoryBuckets.Ceiling(start, hour), hourFrom);
            var daysFrom = HistoryBuckets.Ceiling(start, TimeSpan.FromDays(1));
            List<Dictionary<string, Tally>> parts;
            if (daysFrom < dayDone)
            {
                // raw | hours | whole days | hours | raw: each stretch from the coarsest rows that cover it.
                parts =
                [
                    await RawAsync(reader, limits, probeId, rawStart, hoursFrom, includeTo: false),
                    await RolledUpAsync(reader, probeId, RollupResolution.Hour, hoursFrom, daysFrom),
                    await RolledUpAsync(reader, probeId, RollupResolution.Day, daysFrom, dayDone),
                    await RolledUpAsync(reader, probeId, RollupResolution.Hour, dayDone, hourDone),
                    await TailAsync(Max(hourDone, rawStart)),
                ];
            }
            else if (hoursFrom < hourDone)
            {
                parts =
                [
                    await RawAsync(reader, limits, probeId, rawStart, hoursFrom, includeTo: false),
                    await RolledUpAsync(reader, probeId, RollupResolution.Hour, hoursFrom, hourDone),
                    await TailAsync(Max(hourDone, rawStart)),
                ];
            }
            else
            {
                parts = [await RawAsync(reader, limits, probeId, rawStart, now, includeTo: true)];
            }

            var byProbe = parts.SelectMany(part => part).GroupBy(p => p.Key, p => p.Value).ToDictionary(g => g.Key, g => g.Aggregate((a, b) => a + b));
            var total = byProbe.Values.Aggregate(new Tally(), (a, b) => a + b);
            var covered = byProbe.Values.Select(t => t.Time.CoveredMs).DefaultIfEmpty(0).Max();
            windows.Add(new UptimeWindow(name, length, total.Time.CoveredMs == 0 ? null : (double)total.Time.UpMs / total.Time.CoveredMs,
                (int)total.Runs, (int)total.Failed, (int)total.Parked, (int)total.Maintenance, (int)total.Interrupted,
                covered / 1000.0, total.Time.Since is { } since ? Max(since, start) : null));
        }

        return windows;
    }

    /// <summary>
    /// The rollups of the buckets of <paramref name="length"/> in [<paramref name="from"/>, <paramref name="to"/>) made
    /// from their <paramref name="runs"/> and the runs around them: each probe's buckets with runs or time in them.
    /// </summary>
    public static IEnumerable<Rollup> RollUp(RollupResolution resolution, TimeSpan length, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyList<ProbeRun> runs, IReadOnlyList<RunNeighbours> neighbours, UptimeSpanLimits limits)
    {
        var buckets = (int)Math.Ceiling((to - from) / length);
        var runsByProbe = runs.ToLookup(run => run.ProbeId);
        foreach (var (probeId, around) in Around(neighbours).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var probeRuns = runsByProbe[probeId].OrderBy(run => run.StartedAt).ToList();
            List<UptimeSample> samples = [.. around.Before is { } before ? [before.Sample] : Array.Empty<UptimeSample>(), .. probeRuns.Select(UptimeSample.Of)];
            var time = UptimeSpans.Split(samples, around.NextStart, limits.CapFor(probeId), from, length, buckets);
            var inBuckets = probeRuns.ToLookup(run => (int)((run.StartedAt - from) / length));
            for (var bucket = 0; bucket < buckets; bucket++)
            {
                if (inBuckets[bucket].Any() || time[bucket] != default)
                {
                    yield return Rollup.From(probeId, resolution, from + (length * bucket), length, [.. inBuckets[bucket]]) with
                    {
                        UpMs = time[bucket].UpMs,
                        DownMs = time[bucket].DownMs,
                        ExcludedMs = time[bucket].ExcludedMs,
                        CoveredFrom = time[bucket].Since,
                    };
                }
            }
        }

        IEnumerable<KeyValuePair<string, RunNeighbours>> Around(IReadOnlyList<RunNeighbours> found)
        {
            var known = found.GroupBy(n => n.ProbeId).ToDictionary(g => g.Key, g => Merge(g));
            foreach (var probeId in runsByProbe.Select(g => g.Key).Where(id => !known.ContainsKey(id)))
            {
                known[probeId] = new RunNeighbours(probeId, null, null);
            }

            return known;
        }
    }

    /// <summary>A probe id under several kinds (its kind was changed) has neighbours per kind: the latest before, the earliest after.</summary>
    private static RunNeighbours Merge(IEnumerable<RunNeighbours> ofOneProbe) => ofOneProbe.Aggregate((a, b) => new RunNeighbours(a.ProbeId,
        a.Before is null || (b.Before is not null && b.Before.StartedAt > a.Before.StartedAt) ? b.Before : a.Before,
        a.NextStart is null || (b.NextStart is not null && b.NextStart < a.NextStart) ? b.NextStart : a.NextStart));

    private static async Task<Dictionary<string, Tally>> RawAsync(IUptimeReader reader, UptimeSpanLimits limits, string? probeId, DateTimeOffset from, DateTimeOffset to, bool includeTo)
    {
        if (from > to || (from == to && !includeTo))
        {
            return [];
        }

        var runs = (await reader.RunOutcomesAsync(probeId, from, to, includeTo)).ToLookup(run => run.ProbeId);
        var neighbours = (await reader.NeighboursAsync(probeId, from, to)).GroupBy(n => n.ProbeId).ToDictionary(g => g.Key, Merge);
        var tallies = new Dictionary<string, Tally>();
        foreach (var id in runs.Select(g => g.Key).Union(neighbours.Keys))
        {
            var around = neighbours.GetValueOrDefault(id);
            var probeRuns = runs[id].ToList();
            List<UptimeSample> samples = [.. around?.Before is { } before ? [before.Sample] : Array.Empty<UptimeSample>(), .. probeRuns.Select(r => r.Sample)];
            tallies[id] = new Tally
            {
                Runs = probeRuns.Count,
                Failed = probeRuns.Count(r => r.Sample.State == UptimeState.Down),
                Parked = probeRuns.Count(r => r.Outcome == ProbeOutcome.Parked),
                Maintenance = probeRuns.Count(r => r.Outcome == ProbeOutcome.Maintenance || (r.InMaintenanceWindow && r.Outcome is ProbeOutcome.Pass or ProbeOutcome.Degraded or ProbeOutcome.Fail)),
                Interrupted = probeRuns.Count(r => r.Outcome == ProbeOutcome.Interrupted),
                Time = UptimeSpans.Within(samples, around?.NextStart, limits.CapFor(id), from, to),
            };
        }

        return tallies;
    }

    private static async Task<Dictionary<string, Tally>> RolledUpAsync(IUptimeReader reader, string? probeId, RollupResolution resolution, DateTimeOffset from, DateTimeOffset to) =>
        from >= to
            ? []
            : (await reader.RollupTotalsAsync(probeId, resolution, from, to)).ToDictionary(t => t.ProbeId, t => new Tally
            {
                Runs = t.Runs, Failed = t.Failed, Parked = t.Parked, Maintenance = t.Maintenance, Interrupted = t.Interrupted,
                Time = new UptimeTime(t.UpMs, t.DownMs, t.ExcludedMs, t.FirstCovered),
            });

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed record Tally
    {
        public long Runs { get; init; }
        public long Failed { get; init; }
        public long Parked { get; init; }
        public long Maintenance { get; init; }
        public long Interrupted { get; init; }
        public UptimeTime Time { get; init; }

        public static Tally operator +(Tally a, Tally b) => new()
        {
            Runs = a.Runs + b.Runs, Failed = a.Failed + b.Failed, Parked = a.Parked + b.Parked,
            Maintenance = a.Maintenance + b.Maintenance, Interrupted = a.Interrupted + b.Interrupted, Time = a.Time + b.Time,
        };
    }
}
