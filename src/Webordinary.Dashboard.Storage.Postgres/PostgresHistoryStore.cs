using Dapper;
using Webordinary.Dashboard.Storage.Rows;
using Npgsql;
using Webordinary.Dashboard.Probes.History;
using static Webordinary.Dashboard.Storage.HistoryBuckets;
using static Webordinary.Dashboard.Storage.HistoryMarks;
using static Webordinary.Dashboard.Storage.Postgres.PostgresHistory;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>Uptime and chart history from PostgreSQL's rollups, and its raw runs where nothing is rolled up yet.</summary>
public sealed class PostgresHistoryStore(PostgresDatabase database, TimeProvider time) : IHistoryStore
{
    /// <summary>
    /// Uptime over 24 h, 7 d, 30 d and 365 d of one probe, or of the whole platform (<paramref name="probeId"/> null:
    /// every probe's runs together). Whole days already rolled up come from the daily rollups, the hours around them
    /// from the hourly ones, and only the edges (the window's first partial hour, the last hour or two not rolled up
    /// yet) from raw runs: a year of 50 probes is about 20,000 rows to add up instead of millions of runs.
    /// </summary>
    public async Task<IReadOnlyList<UptimeWindow>> GetUptimeAsync(string? probeId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var now = time.GetUtcNow();
        var rawFrom = await MarkAsync(connection, RawDeletedBefore);
        var hourFrom = await MarkAsync(connection, HourDeletedBefore);
        var hourDone = await MarkAsync(connection, HourDone);
        var dayDone = await MarkAsync(connection, DayDone);
        // The raw runs after the last rolled-up hour are the same stretch for every window: counted once.
        var tails = new Dictionary<DateTimeOffset, Counts>();
        async Task<Counts> TailAsync(DateTimeOffset from) =>
            tails.TryGetValue(from, out var counted) ? counted : tails[from] = await RawCountsAsync(connection, probeId, from, now, includeTo: true);

        var windows = new List<UptimeWindow>();
        foreach (var (name, length) in new[] { ("24h", TimeSpan.FromHours(24)), ("7d", TimeSpan.FromDays(7)), ("30d", TimeSpan.FromDays(30)), ("365d", TimeSpan.FromDays(365)) })
        {
            var start = now - length;
            var rawStart = Max(start, rawFrom);
            var hoursFrom = Max(Ceiling(start, TimeSpan.FromHours(1)), hourFrom);
            var daysFrom = Ceiling(start, TimeSpan.FromDays(1));
            Counts counts;
            if (daysFrom < dayDone)
            {
                // raw | hours | whole days | hours | raw: each stretch from the coarsest rows that cover it.
                counts = await RollupCountsAsync(connection, probeId, "Day", daysFrom, dayDone)
                    + await RollupCountsAsync(connection, probeId, "Hour", hoursFrom, daysFrom)
                    + await RollupCountsAsync(connection, probeId, "Hour", dayDone, hourDone)
                    + await RawCountsAsync(connection, probeId, rawStart, hoursFrom, includeTo: false)
                    + await TailAsync(Max(hourDone, rawStart));
            }
            else if (hoursFrom < hourDone)
            {
                counts = await RollupCountsAsync(connection, probeId, "Hour", hoursFrom, hourDone)
                    + await RawCountsAsync(connection, probeId, rawStart, hoursFrom, includeTo: false)
                    + await TailAsync(Max(hourDone, rawStart));
            }
            else
            {
                counts = await RawCountsAsync(connection, probeId, rawStart, now, includeTo: true);
            }

            var counted = counts.Up + counts.Failed;
            windows.Add(new UptimeWindow(name, length, counted == 0 ? null : (double)counts.Up / counted, (int)counts.Runs, (int)counts.Failed, (int)counts.Parked,
                (int)counts.Maintenance, (int)counts.Interrupted));
        }

        return windows;
    }

    public async Task<IReadOnlyList<Rollup>> GetRollupsAsync(string probeId, RollupResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<RollupRow>(
            """
            SELECT probe_id AS ProbeId, resolution AS Resolution, bucket_start AS BucketStart, runs AS Runs, passes AS Passes, degraded AS Degraded,
                   fails AS Fails, parked AS Parked, parked_ms AS ParkedMs, p50_ms AS P50Ms, p95_ms AS P95Ms, max_ms AS MaxMs, step_stats::text AS StepStats,
                   metric_stats::text AS MetricStats, maintenance AS Maintenance, interrupted AS Interrupted
            FROM rollups WHERE probe_id = @probeId AND resolution = @resolution AND bucket_start >= @from AND bucket_start < @to ORDER BY bucket_start;
            """, new { probeId, resolution = resolution.ToString(), from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() });
        return [.. rows.Select(r => r.ToRollup())];
    }

    /// <summary>
    /// A probe's history for a chart: the rollups of buckets starting in [from, to), and after them the buckets not
    /// rolled up yet (the open hour or day, and the one settling for <see cref="HistoryBuckets.SettleTime"/>) made now from the raw
    /// runs, so a new probe's chart has points from its first run instead of after an hour and a half.
    /// </summary>
    public async Task<IReadOnlyList<Rollup>> GetHistoryAsync(string probeId, RollupResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var stored = await GetRollupsAsync(probeId, resolution, from, to, cancellationToken);
        var length = resolution == RollupResolution.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        await using var connection = await database.OpenAsync(cancellationToken);
        var done = await MarkAsync(connection, resolution == RollupResolution.Hour ? HourDone : DayDone);
        // Whole buckets only, as the stored ones (bucket_start >= from); none before the watermark, which are stored.
        var liveFrom = Max(Ceiling(from, length), done);
        if (stored.Count > 0)
        {
            liveFrom = Max(liveFrom, stored[^1].BucketStart + length);
        }

        if (liveFrom >= to)
        {
            return stored;
        }

        var live = (await LoadRunsAsync(connection, liveFrom, to, probeId))
            .GroupBy(run => Floor(run.StartedAt, length))
            .OrderBy(bucket => bucket.Key)
            .Select(bucket => Rollup.From(probeId, resolution, bucket.Key, length, [.. bucket]));
        return [.. stored, .. live];
    }

    /// <summary>Runs that started in [from, to) (or [from, to] with <paramref name="includeTo"/>), by the (probe_key, started_at) index.</summary>
    private static async Task<Counts> RawCountsAsync(NpgsqlConnection connection, string? probeId, DateTimeOffset from, DateTimeOffset to, bool includeTo) =>
        from > to || (from == to && !includeTo)
            ? new Counts()
            : await connection.QuerySingleAsync<Counts>(
                $"""
                SELECT COUNT(*) AS Runs,
                       COUNT(*) FILTER (WHERE outcome IN ('Pass', 'Degraded') AND maintenance_window IS NULL) AS Up,
                       COUNT(*) FILTER (WHERE outcome = 'Fail' AND maintenance_window IS NULL) AS Failed,
                       COUNT(*) FILTER (WHERE outcome = 'Parked') AS Parked,
                       COUNT(*) FILTER (WHERE outcome = 'Maintenance' OR (maintenance_window IS NOT NULL AND outcome IN ('Pass', 'Degraded', 'Fail'))) AS Maintenance,
                       COUNT(*) FILTER (WHERE outcome = 'Interrupted') AS Interrupted
                FROM runs WHERE probe_key IN (SELECT key FROM probe_keys WHERE CAST(@probeId AS text) IS NULL OR probe_id = @probeId)
                  AND ended_at IS NOT NULL AND started_at >= @from AND started_at {(includeTo ? "<=" : "<")} @to;
                """, new { probeId, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() });

    /// <summary>Rollups of buckets starting in [from, to); per probe id through the primary key, also for the platform.</summary>
    private static async Task<Counts> RollupCountsAsync(NpgsqlConnection connection, string? probeId, string resolution, DateTimeOffset from, DateTimeOffset to) =>
        from >= to
            ? new Counts()
            : await connection.QuerySingleAsync<Counts>(
                """
                SELECT COALESCE(SUM(runs), 0) AS Runs, COALESCE(SUM(passes + degraded), 0) AS Up, COALESCE(SUM(fails), 0) AS Failed, COALESCE(SUM(parked), 0) AS Parked,
                       COALESCE(SUM(maintenance), 0) AS Maintenance, COALESCE(SUM(interrupted), 0) AS Interrupted
                FROM rollups WHERE probe_id IN (SELECT DISTINCT probe_id FROM probe_keys WHERE CAST(@probeId AS text) IS NULL OR probe_id = @probeId)
                  AND resolution = @resolution AND bucket_start >= @from AND bucket_start < @to;
                """, new { probeId, resolution, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() });

    private sealed record Counts
    {
        public long Runs { get; init; }
        public long Up { get; init; }
        public long Failed { get; init; }
        public long Parked { get; init; }
        public long Maintenance { get; init; }
        public long Interrupted { get; init; }

        public static Counts operator +(Counts a, Counts b) => new()
        {
            Runs = a.Runs + b.Runs, Up = a.Up + b.Up, Failed = a.Failed + b.Failed, Parked = a.Parked + b.Parked,
            Maintenance = a.Maintenance + b.Maintenance, Interrupted = a.Interrupted + b.Interrupted,
        };
    }
}
