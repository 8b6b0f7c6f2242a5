using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Storage.Rows;
using static Webordinary.Dashboard.Storage.HistoryBuckets;
using static Webordinary.Dashboard.Storage.HistoryMarks;
using static Webordinary.Dashboard.Storage.Postgres.PostgresHistory;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// Keeps the database small for years: rolls closed hours and days of raw runs up into <c>rollups</c> (one short
/// transaction per bucket that also moves the bucket's watermark, under a transaction-scoped advisory lock so that
/// two instances compacting at once never count a bucket twice), then deletes raw runs and hourly rollups past their
/// retention — never before they were rolled up — in batches by primary key, which do not rewrite the table.
/// </summary>
public sealed class PostgresHistoryCompaction(PostgresDatabase database, IOptions<HistoryOptions> options, UptimeSpanLimits limits, TimeProvider time) : IHistoryCompaction
{
    /// <summary>The advisory lock of a compaction step (any fixed number; this one spells "wbdhistc").</summary>
    internal const long CompactionLockKey = 0x7762_6468_6973_7463;

    /// <summary>Raw runs deleted per statement: a day of 50 probes at 30 s (144,000 runs) in short transactions.</summary>
    private const int DeleteBatch = 5_000;

    public async Task<CompactionResult> CompactAsync(CancellationToken cancellationToken)
    {
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
            // Read outside the write (the runs of a settled bucket no longer change), so the transaction below is short.
            DateTimeOffset done;
            DateTimeOffset? next;
            List<Rollup> rollups = [];
            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                done = await MarkAsync(connection, mark);
                next = await NextBucketAsync(connection, done, length);
                if (next is { } start && start + length <= closedBefore)
                {
                    rollups = await PostgresHistory.RollUpAsync(connection, limits, resolution, length, start, start + length);
                }
            }

            var bucket = next;
            var written = await database.WriteAsync(async connection =>
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key);", new { key = CompactionLockKey }, transaction);
                // Another instance moved the watermark meanwhile: leave the bucket to it.
                if (await MarkAsync(connection, mark, transaction) != done)
                {
                    return false;
                }

                if (bucket is not { } start || start + length > closedBefore)
                {
                    // Nothing left to roll up before closedBefore: everything up to there is done.
                    if (done < closedBefore)
                    {
                        await SetMarkAsync(connection, mark, closedBefore, transaction);
                        await transaction.CommitAsync(cancellationToken);
                    }

                    return false;
                }

                await connection.ExecuteAsync(UpsertRollupSql, rollups.Select(RollupRow.From), transaction);
                await SetMarkAsync(connection, mark, start + length, transaction);
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
    private static async Task<DateTimeOffset?> NextBucketAsync(NpgsqlConnection connection, DateTimeOffset done, TimeSpan length)
    {
        // The earliest per probe key: each one a single step down the (probe_key, started_at) index.
        var nextRun = await connection.ExecuteScalarAsync<long?>(
            "SELECT MIN((SELECT MIN(started_at) FROM runs WHERE probe_key = k.key AND started_at >= @from)) FROM probe_keys k;",
            new { from = done == DateTimeOffset.UnixEpoch ? long.MinValue : done.ToUnixTimeMilliseconds() });
        return nextRun is { } at ? Floor(DateTimeOffset.FromUnixTimeMilliseconds(at), length) : null;
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
        // Raw runs go only once both their hour and their day are rolled up.
        var rawCutoff = Min(Floor(now - options.Value.RawRetention, day), Floor(Min(hourDone, dayDone), day));
        if (rawCutoff > DateTimeOffset.UnixEpoch)
        {
            var cutoff = rawCutoff.ToUnixTimeMilliseconds();
            // Oldest seq first (a run's seq is given when it starts), each batch a short statement on the primary key;
            // the steps go with their runs (ON DELETE CASCADE). The space is reused by the next days' runs.
            int deleted;
            do
            {
                deleted = await database.WriteAsync(connection => connection.ExecuteAsync(
                    """
                    DELETE FROM runs WHERE seq IN (
                        SELECT seq FROM runs WHERE started_at < @cutoff AND ended_at IS NOT NULL ORDER BY seq LIMIT @batch);
                    """, new { cutoff, batch = DeleteBatch }), cancellationToken);
                raw += deleted;
            }
            while (deleted == DeleteBatch && !cancellationToken.IsCancellationRequested);
        }

        return await database.WriteAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key);", new { key = CompactionLockKey }, transaction);
            var hourly = 0;
            var daily = 0;
            if (rawCutoff > DateTimeOffset.UnixEpoch)
            {
                await SetMarkAsync(connection, RawDeletedBefore, Max(rawCutoff, await MarkAsync(connection, RawDeletedBefore, transaction)), transaction);
            }

            var hourCutoff = Min(Floor(now - options.Value.HourlyRetention, day), Floor(dayDone, day));
            if (hourCutoff > DateTimeOffset.UnixEpoch)
            {
                hourly = await connection.ExecuteAsync("DELETE FROM rollups WHERE resolution = 'Hour' AND bucket_start < @cutoff;",
                    new { cutoff = hourCutoff.ToUnixTimeMilliseconds() }, transaction);
                await SetMarkAsync(connection, HourDeletedBefore, Max(hourCutoff, await MarkAsync(connection, HourDeletedBefore, transaction)), transaction);
            }

            if (options.Value.DailyRetention is { } dailyRetention)
            {
                daily = await connection.ExecuteAsync("DELETE FROM rollups WHERE resolution = 'Day' AND bucket_start < @cutoff;",
                    new { cutoff = Floor(now - dailyRetention, day).ToUnixTimeMilliseconds() }, transaction);
            }

            await transaction.CommitAsync(cancellationToken);
            return (raw, hourly, daily);
        }, cancellationToken);
    }

    private const string UpsertRollupSql =
        """
        INSERT INTO rollups (probe_id, resolution, bucket_start, runs, passes, degraded, fails, parked, parked_ms, p50_ms, p95_ms, max_ms, step_stats, metric_stats,
                             maintenance, interrupted, up_ms, down_ms, excluded_ms, covered_from)
        VALUES (@ProbeId, @Resolution, @BucketStart, @Runs, @Passes, @Degraded, @Fails, @Parked, @ParkedMs, @P50Ms, @P95Ms, @MaxMs,
                CAST(@StepStats AS jsonb), CAST(@MetricStats AS jsonb), @Maintenance, @Interrupted, @UpMs, @DownMs, @ExcludedMs, @CoveredFrom)
        ON CONFLICT (probe_id, resolution, bucket_start) DO UPDATE SET
            runs = excluded.runs, passes = excluded.passes, degraded = excluded.degraded, fails = excluded.fails, parked = excluded.parked,
            parked_ms = excluded.parked_ms, p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms, max_ms = excluded.max_ms,
            step_stats = excluded.step_stats, metric_stats = excluded.metric_stats, maintenance = excluded.maintenance, interrupted = excluded.interrupted,
            up_ms = excluded.up_ms, down_ms = excluded.down_ms, excluded_ms = excluded.excluded_ms, covered_from = excluded.covered_from;
        """;
}
