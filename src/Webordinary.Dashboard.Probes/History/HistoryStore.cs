using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;

namespace Webordinary.Dashboard.Probes.History;

public sealed record CompactionResult(int HoursRolledUp, int DaysRolledUp, int RawRunsDeleted, int HourlyRowsDeleted, int DailyRowsDeleted);

/// <summary>
/// Keeps the database small for years: rolls closed hours and days of raw runs up into <c>rollups</c> (read outside
/// the write gate, then one short write transaction per bucket that also moves the bucket's watermark, so an
/// interrupted compaction resumes without double counting), then deletes raw runs and hourly rollups past their
/// retention — never before they were rolled up.
/// </summary>
public sealed class HistoryStore(SqliteDatabase database, IOptions<HistoryOptions> options, TimeProvider time)
{
    /// <summary>A bucket is rolled up only when no run that started in it can still be running (the longest probe timeout is 30 min).</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMinutes(35);

    private const string HourDone = "hour.done";
    private const string DayDone = "day.done";
    private const string RawDeletedBefore = "raw.deleted-before";
    private const string HourDeletedBefore = "hour.deleted-before";

    public async Task<CompactionResult> CompactAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        var now = time.GetUtcNow();
        var hours = await RollUpAsync(RollupResolution.Hour, now, cancellationToken);
        var days = await RollUpAsync(RollupResolution.Day, now, cancellationToken);
        var (raw, hourly, daily) = await ApplyRetentionAsync(now, cancellationToken);
        return new CompactionResult(hours, days, raw, hourly, daily);
    }

    private async Task<int> RollUpAsync(RollupResolution resolution, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var length = resolution == RollupResolution.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var mark = resolution == RollupResolution.Hour ? HourDone : DayDone;
        var closedBefore = Floor(now - SettleTime, length);
        var rolled = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Read without the write gate (WAL readers never block the writer; the runs of a settled bucket no longer
            // change), so probes storing results wait only for the short upsert below, not for a day's 144,000 runs
            // being read and aggregated (the history benchmark: 50 probes at 30 s).
            DateTimeOffset done;
            DateTimeOffset? next;
            List<Rollup> rollups = [];
            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                done = await MarkAsync(connection, mark);
                next = await NextBucketAsync(connection, mark, length);
                if (next is { } start && start + length <= closedBefore)
                {
                    var runs = await LoadRunsAsync(connection, start, start + length);
                    rollups = [.. runs.GroupBy(r => r.ProbeId).Select(probe => Rollup.From(probe.Key, resolution, start, length, [.. probe]))];
                }
            }

            if (next is not { } bucket || bucket + length > closedBefore)
            {
                // Nothing left to roll up before closedBefore: everything up to there is done.
                if (done < closedBefore)
                {
                    await database.WriteAsync(async connection =>
                    {
                        await SetMarkAsync(connection, mark, closedBefore, null);
                        return 0;
                    }, cancellationToken);
                }

                break;
            }

            var written = await database.WriteAsync(async connection =>
            {
                // Another compaction moved the watermark meanwhile: leave the bucket to it.
                if (await MarkAsync(connection, mark) != done)
                {
                    return false;
                }

                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(UpsertRollupSql, rollups.Select(RollupRow.From), transaction);
                await SetMarkAsync(connection, mark, bucket + length, transaction);
                await transaction.CommitAsync(cancellationToken);
                return true;
            }, cancellationToken);
            if (!written)
            {
                break;
            }

            rolled++;
        }

        return rolled;
    }

    /// <summary>The next bucket to roll up: the watermark, or (skipping empty stretches) the bucket of the next run.</summary>
    private static async Task<DateTimeOffset?> NextBucketAsync(SqliteConnection connection, string mark, TimeSpan length)
    {
        var done = await connection.ExecuteScalarAsync<long?>("SELECT at FROM history_marks WHERE name = @mark;", new { mark });
        // The earliest per probe key: each one a single step down the (probe_key, started_at) index.
        var nextRun = await connection.ExecuteScalarAsync<long?>(
            "SELECT MIN((SELECT MIN(started_at) FROM runs WHERE probe_key = k.key AND started_at >= @from)) FROM probe_keys k;",
            new { from = done ?? long.MinValue });
        if (nextRun is null)
        {
            return null;
        }

        return Floor(DateTimeOffset.FromUnixTimeMilliseconds(nextRun.Value), length);
    }

    private async Task<(int Raw, int Hourly, int Daily)> ApplyRetentionAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var day = TimeSpan.FromDays(1);
        DateTimeOffset hourDone, dayDone;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            hourDone = await MarkAsync(connection, HourDone);
            dayDone = await MarkAsync(connection, DayDone);
        }

        var raw = 0;
        // Raw runs go only once both their hour and their day are rolled up; 2,000 runs per write, so a day of 50
        // probes (144,000 runs) never holds up the probes' own writes for more than a moment.
        var rawCutoff = Min(Floor(now - options.Value.RawRetention, day), Floor(Min(hourDone, dayDone), day));
        if (rawCutoff > DateTimeOffset.UnixEpoch)
        {
            var cutoff = rawCutoff.ToUnixTimeMilliseconds();
            // A run's seq is given when it starts, so the runs to delete are the lowest seqs (but for a few inserted out
            // of order): deleted in seq order, each batch rewrites a few neighbouring pages of runs and steps. By probe
            // (the index's order), a batch took every 50th row of a whole day, and each page was rewritten once per
            // probe: a day of 50 probes took 24 s, now 2–3 s (the history benchmark). The bound comes from the
            // (probe_key, started_at) index, which holds the seq.
            long? last;
            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                last = await connection.ExecuteScalarAsync<long?>(
                    "SELECT MAX(seq) FROM runs WHERE probe_key IN (SELECT key FROM probe_keys) AND started_at < @cutoff;", new { cutoff });
            }

            int deleted;
            do
            {
                deleted = last is null ? 0 : await database.WriteAsync(connection => connection.ExecuteAsync(
                    """
                    DELETE FROM runs WHERE seq IN (
                        SELECT seq FROM runs WHERE seq <= @last AND started_at < @cutoff AND ended_at IS NOT NULL ORDER BY seq LIMIT 2000);
                    """, new { cutoff, last }), cancellationToken);
                raw += deleted;
            }
            while (deleted > 0 && !cancellationToken.IsCancellationRequested);
        }

        return await database.WriteAsync(async connection =>
        {
            var hourly = 0;
            var daily = 0;
            if (rawCutoff > DateTimeOffset.UnixEpoch)
            {
                await SetMarkAsync(connection, RawDeletedBefore, Max(rawCutoff, await MarkAsync(connection, RawDeletedBefore)), null);
            }

            var hourCutoff = Min(Floor(now - options.Value.HourlyRetention, day), Floor(dayDone, day));
            if (hourCutoff > DateTimeOffset.UnixEpoch)
            {
                hourly = await connection.ExecuteAsync("DELETE FROM rollups WHERE resolution = 'Hour' AND bucket_start < @cutoff;",
                    new { cutoff = hourCutoff.ToUnixTimeMilliseconds() });
                await SetMarkAsync(connection, HourDeletedBefore, Max(hourCutoff, await MarkAsync(connection, HourDeletedBefore)), null);
            }

            if (options.Value.DailyRetention is { } dailyRetention)
            {
                daily = await connection.ExecuteAsync("DELETE FROM rollups WHERE resolution = 'Day' AND bucket_start < @cutoff;",
                    new { cutoff = Floor(now - dailyRetention, day).ToUnixTimeMilliseconds() });
            }

            return (raw, hourly, daily);
        }, cancellationToken);
    }

    /// <summary>
    /// Uptime over 24 h, 7 d, 30 d and 365 d of one probe, or of the whole platform (<paramref name="probeId"/> null:
    /// every probe's runs together). Whole days already rolled up come from the daily rollups, the hours around them
    /// from the hourly ones, and only the edges (the window's first partial hour, the last hour or two not rolled up
    /// yet) from raw runs: a year of 50 probes is about 20,000 rows to add up instead of millions of runs.
    /// </summary>
    public async Task<IReadOnlyList<UptimeWindow>> GetUptimeAsync(string? probeId, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
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
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<RollupRow>(
            """
            SELECT probe_id AS ProbeId, resolution AS Resolution, bucket_start AS BucketStart, runs AS Runs, passes AS Passes, degraded AS Degraded,
                   fails AS Fails, parked AS Parked, parked_ms AS ParkedMs, p50_ms AS P50Ms, p95_ms AS P95Ms, max_ms AS MaxMs, step_stats AS StepStats,
                   metric_stats AS MetricStats, maintenance AS Maintenance, interrupted AS Interrupted
            FROM rollups WHERE probe_id = @probeId AND resolution = @resolution AND bucket_start >= @from AND bucket_start < @to ORDER BY bucket_start;
            """, new { probeId, resolution = resolution.ToString(), from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() });
        return [.. rows.Select(r => r.ToRollup())];
    }

    /// <summary>
    /// A probe's history for a chart: the rollups of buckets starting in [from, to), and after them the buckets not
    /// rolled up yet (the open hour or day, and the one settling for <see cref="SettleTime"/>) made now from the raw
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
    private static async Task<Counts> RawCountsAsync(SqliteConnection connection, string? probeId, DateTimeOffset from, DateTimeOffset to, bool includeTo) =>
        from > to || (from == to && !includeTo)
            ? new Counts()
            : await connection.QuerySingleAsync<Counts>(
                $"""
                SELECT COUNT(*) AS Runs,
                       COALESCE(SUM(outcome IN ('Pass', 'Degraded') AND maintenance_window IS NULL), 0) AS Up,
                       COALESCE(SUM(outcome = 'Fail' AND maintenance_window IS NULL), 0) AS Failed,
                       COALESCE(SUM(outcome = 'Parked'), 0) AS Parked,
                       COALESCE(SUM(outcome = 'Maintenance' OR (maintenance_window IS NOT NULL AND outcome IN ('Pass', 'Degraded', 'Fail'))), 0) AS Maintenance,
                       COALESCE(SUM(outcome = 'Interrupted'), 0) AS Interrupted
                FROM runs WHERE probe_key IN (SELECT key FROM probe_keys WHERE @probeId IS NULL OR probe_id = @probeId)
                  AND ended_at IS NOT NULL AND started_at >= @from AND started_at {(includeTo ? "<=" : "<")} @to;
                """, new { probeId, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() });

    /// <summary>Rollups of buckets starting in [from, to); per probe id through the primary key, also for the platform.</summary>
    private static async Task<Counts> RollupCountsAsync(SqliteConnection connection, string? probeId, string resolution, DateTimeOffset from, DateTimeOffset to) =>
        from >= to
            ? new Counts()
            : await connection.QuerySingleAsync<Counts>(
                """
                SELECT COALESCE(SUM(runs), 0) AS Runs, COALESCE(SUM(passes + degraded), 0) AS Up, COALESCE(SUM(fails), 0) AS Failed, COALESCE(SUM(parked), 0) AS Parked,
                       COALESCE(SUM(maintenance), 0) AS Maintenance, COALESCE(SUM(interrupted), 0) AS Interrupted
                FROM rollups WHERE probe_id IN (SELECT DISTINCT probe_id FROM probe_keys WHERE @probeId IS NULL OR probe_id = @probeId)
                  AND resolution = @resolution AND bucket_start >= @from AND bucket_start < @to;
                """, new { probeId, resolution, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() });

    /// <summary>Completed runs that started in [from, to): every probe's, or one probe's.</summary>
    private static async Task<List<ProbeRun>> LoadRunsAsync(SqliteConnection connection, DateTimeOffset from, DateTimeOffset to, string? probeId = null)
    {
        const string InBucket = "r.probe_key IN (SELECT key FROM probe_keys WHERE @probeId IS NULL OR probe_id = @probeId) AND r.started_at >= @from AND r.started_at < @to AND r.ended_at IS NOT NULL";
        var runs = (await connection.QueryAsync<(string Id, string ProbeId, string Outcome, double? DurationMs, long StartedAt, string? Metrics, string? Window)>(
            $"SELECT r.id, k.probe_id, r.outcome, r.duration_ms, r.started_at, r.metrics, r.maintenance_window FROM runs r JOIN probe_keys k ON k.key = r.probe_key WHERE {InBucket};",
            new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), probeId })).ToList();
        var steps = (await connection.QueryAsync<(string RunId, string Name, double DurationMs)>(
                $"SELECT r.id, n.name, s.duration_ms FROM runs r JOIN steps s ON s.run_seq = r.seq JOIN step_names n ON n.key = s.name_key WHERE {InBucket};",
                new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), probeId }))
            .ToLookup(s => s.RunId);
        return [.. runs.Select(r => new ProbeRun(r.Id, r.ProbeId, "", RunTrigger.Schedule, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt), null, r.DurationMs,
            Enum.Parse<ProbeOutcome>(r.Outcome), null,
            [.. steps[r.Id].Select((s, i) => new StepResult(i, s.Name, StepOutcome.Pass, default, s.DurationMs, null, null))],
            r.Metrics is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(r.Metrics), r.Window))];
    }

    private static async Task<DateTimeOffset> MarkAsync(SqliteConnection connection, string mark) =>
        await connection.ExecuteScalarAsync<long?>("SELECT at FROM history_marks WHERE name = @mark;", new { mark }) is { } at
            ? DateTimeOffset.FromUnixTimeMilliseconds(at)
            : DateTimeOffset.UnixEpoch;

    private static Task SetMarkAsync(SqliteConnection connection, string mark, DateTimeOffset at, SqliteTransaction? transaction) =>
        connection.ExecuteAsync("INSERT OR REPLACE INTO history_marks (name, at) VALUES (@mark, @at);", new { mark, at = at.ToUnixTimeMilliseconds() }, transaction);

    public static DateTimeOffset Floor(DateTimeOffset at, TimeSpan length) =>
        DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds() - ((at.ToUnixTimeMilliseconds() % (long)length.TotalMilliseconds) + (long)length.TotalMilliseconds) % (long)length.TotalMilliseconds);

    private static DateTimeOffset Ceiling(DateTimeOffset at, TimeSpan length) => Floor(at, length) == at ? at : Floor(at, length) + length;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private const string UpsertRollupSql =
        """
        INSERT OR REPLACE INTO rollups (probe_id, resolution, bucket_start, runs, passes, degraded, fails, parked, parked_ms, p50_ms, p95_ms, max_ms, step_stats, metric_stats,
                                        maintenance, interrupted)
        VALUES (@ProbeId, @Resolution, @BucketStart, @Runs, @Passes, @Degraded, @Fails, @Parked, @ParkedMs, @P50Ms, @P95Ms, @MaxMs, @StepStats, @MetricStats,
                @Maintenance, @Interrupted);
        """;

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

    private sealed class RollupRow
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
}
