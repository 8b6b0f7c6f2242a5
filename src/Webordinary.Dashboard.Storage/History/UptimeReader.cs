using System.Data.Common;
using Dapper;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Storage;

/// <summary>The history's reads for <see cref="UptimeWindows"/> on one open connection, in SQL both engines speak.</summary>
public sealed class UptimeReader(DbConnection connection) : IUptimeReader
{
    public async Task<DateTimeOffset> MarkAsync(string mark) =>
        await connection.ExecuteScalarAsync<long?>("SELECT at FROM history_marks WHERE name = @mark;", new { mark }) is { } at
            ? DateTimeOffset.FromUnixTimeMilliseconds(at)
            : DateTimeOffset.UnixEpoch;

    public async Task<IReadOnlyList<RollupTotals>> RollupTotalsAsync(string? probeId, RollupResolution resolution, DateTimeOffset from, DateTimeOffset to) =>
        [.. (await connection.QueryAsync<(string ProbeId, long Runs, long Failed, long Parked, long Maintenance, long Interrupted, long UpMs, long DownMs, long ExcludedMs, long? FirstCovered)>(
            """
            SELECT probe_id, SUM(runs), SUM(fails), SUM(parked), SUM(maintenance), SUM(interrupted), SUM(up_ms), SUM(down_ms), SUM(excluded_ms),
                   MIN(covered_from)
            FROM rollups WHERE probe_id IN (SELECT DISTINCT probe_id FROM probe_keys WHERE CAST(@probeId AS text) IS NULL OR probe_id = @probeId)
              AND resolution = @resolution AND bucket_start >= @from AND bucket_start < @to
            GROUP BY probe_id;
            """, new { probeId, resolution = resolution.ToString(), from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() }))
            .Select(t => new RollupTotals(t.ProbeId, t.Runs, t.Failed, t.Parked, t.Maintenance, t.Interrupted, t.UpMs, t.DownMs, t.ExcludedMs,
                t.FirstCovered is { } first ? DateTimeOffset.FromUnixTimeMilliseconds(first) : null))];

    public async Task<IReadOnlyList<RunOutcome>> RunOutcomesAsync(string? probeId, DateTimeOffset from, DateTimeOffset to, bool includeTo) =>
        [.. (await connection.QueryAsync<(string ProbeId, long StartedAt, string Outcome, string? Window)>(
            $"""
            SELECT k.probe_id, r.started_at, r.outcome, r.maintenance_window FROM runs r JOIN probe_keys k ON k.key = r.probe_key
            WHERE r.probe_key IN (SELECT key FROM probe_keys WHERE CAST(@probeId AS text) IS NULL OR probe_id = @probeId)
              AND r.ended_at IS NOT NULL AND r.started_at >= @from AND r.started_at {(includeTo ? "<=" : "<")} @to
            ORDER BY r.started_at;
            """, new { probeId, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() }))
            .Select(r => new RunOutcome(r.ProbeId, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt), Enum.Parse<ProbeOutcome>(r.Outcome), r.Window is not null))];

    public async Task<IReadOnlyList<RunNeighbours>> NeighboursAsync(string? probeId, DateTimeOffset from, DateTimeOffset to) =>
        [.. (await connection.QueryAsync<(string ProbeId, long? BeforeAt, string? BeforeOutcome, string? BeforeWindow, long? NextAt)>(
            """
            SELECT k.probe_id, b.started_at, b.outcome, b.maintenance_window,
                   (SELECT started_at FROM runs WHERE probe_key = k.key AND started_at >= @to AND ended_at IS NOT NULL ORDER BY started_at LIMIT 1)
            FROM probe_keys k
            LEFT JOIN runs b ON b.seq = (SELECT seq FROM runs WHERE probe_key = k.key AND started_at < @from AND ended_at IS NOT NULL ORDER BY started_at DESC LIMIT 1)
            WHERE CAST(@probeId AS text) IS NULL OR k.probe_id = @probeId;
            """, new { probeId, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() }))
            .Where(n => n.BeforeAt is not null || n.NextAt is not null)
            .Select(n => new RunNeighbours(n.ProbeId,
                n.BeforeAt is { } before ? new RunOutcome(n.ProbeId, DateTimeOffset.FromUnixTimeMilliseconds(before), Enum.Parse<ProbeOutcome>(n.BeforeOutcome!), n.BeforeWindow is not null) : null,
                n.NextAt is { } next ? DateTimeOffset.FromUnixTimeMilliseconds(next) : null))];
}
