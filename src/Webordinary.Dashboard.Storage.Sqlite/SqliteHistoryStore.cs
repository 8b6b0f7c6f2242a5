using Dapper;
using Webordinary.Dashboard.Storage.Rows;
using Webordinary.Dashboard.Probes.History;
using static Webordinary.Dashboard.Storage.Sqlite.SqliteHistory;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>Uptime and chart history from the SQLite file's rollups, and its raw runs where nothing is rolled up yet.</summary>
public sealed class SqliteHistoryStore(SqliteDatabase database, UptimeSpanLimits limits, TimeProvider time) : IHistoryStore
{
    /// <summary>Uptime over 24 h, 7 d, 30 d and 365 d of one probe, or of the whole platform (<see cref="UptimeWindows"/>).</summary>
    public async Task<IReadOnlyList<UptimeWindow>> GetUptimeAsync(string? probeId, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await UptimeWindows.ComputeAsync(new UptimeReader(connection), limits, probeId, time.GetUtcNow());
    }

    public async Task<IReadOnlyList<Rollup>> GetRollupsAsync(string probeId, RollupResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<RollupRow>(
            $"SELECT {RollupRow.Columns} FROM rollups WHERE probe_id = @probeId AND resolution = @resolution AND bucket_start >= @from AND bucket_start < @to ORDER BY bucket_start;",
            new { probeId, resolution = resolution.ToString(), from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() });
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

        // The open bucket's time runs to now, not past it.
        var liveTo = Min(to, time.GetUtcNow());
        return liveFrom >= liveTo ? stored : [.. stored, .. await RollUpAsync(connection, limits, resolution, length, liveFrom, liveTo, probeId)];
    }
}
