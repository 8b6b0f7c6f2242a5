using Dapper;
using Webordinary.Dashboard.Storage.Rows;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.History;
using static Webordinary.Dashboard.Storage.Sqlite.SqliteHistory;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>
/// Keeps the database small for years: rolls closed hours and days of raw runs up into <c>rollups</c> (read outside
/// the write gate, then one short write transaction per bucket that also moves the bucket's watermark, so an
/// interrupted compaction resumes without double counting), then deletes raw runs and hourly rollups past their
/// retention — never before they were rolled up.
/// </summary>
public sealed class SqliteHistoryCompaction(SqliteDatabase database, IOptions<HistoryOptions> options, UptimeSpanLimits limits, TimeProvider time) : IHistoryCompaction
{
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
        var closedBefore = Floor(now - HistoryBuckets.SettleTime, length);
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
                    rollups = await SqliteHistory.RollUpAsync(connection, limits, resolution, length, start, start + length);
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

    private const string UpsertRollupSql =
        """
        INSERT OR REPLACE INTO rollups (probe_id, resolution, bucket_start, runs, passes, degraded, fails, parked, parked_ms, p50_ms, p95_ms, max_ms, step_stats, metric_stats,
                                        maintenance, interrupted, up_ms, down_ms, excluded_ms, covered_from)
        VALUES (@ProbeId, @Resolution, @BucketStart, @Runs, @Passes, @Degraded, @Fails, @Parked, @ParkedMs, @P50Ms, @P95Ms, @MaxMs, @StepStats, @MetricStats,
                @Maintenance, @Interrupted, @UpMs, @DownMs, @ExcludedMs, @CoveredFrom);
        """;
}
