using System.Text.Json;
using Dapper;
using Npgsql;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>What the history's queries and its compaction share on PostgreSQL: the watermarks and the runs of a stretch.</summary>
internal static class PostgresHistory
{
    /// <summary>Completed runs that started in [from, to): every probe's, or one probe's.</summary>
    public static async Task<List<ProbeRun>> LoadRunsAsync(NpgsqlConnection connection, DateTimeOffset from, DateTimeOffset to, string? probeId = null)
    {
        const string InBucket =
            "r.probe_key IN (SELECT key FROM probe_keys WHERE CAST(@probeId AS text) IS NULL OR probe_id = @probeId) AND r.started_at >= @from AND r.started_at < @to AND r.ended_at IS NOT NULL";
        var args = new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), probeId };
        var runs = (await connection.QueryAsync<(string Id, string ProbeId, string Outcome, double? DurationMs, long StartedAt, string? Metrics, string? Window)>(
            $"SELECT r.id, k.probe_id, r.outcome, r.duration_ms, r.started_at, r.metrics::text, r.maintenance_window FROM runs r JOIN probe_keys k ON k.key = r.probe_key WHERE {InBucket};",
            args)).ToList();
        var steps = (await connection.QueryAsync<(string RunId, string Name, double DurationMs)>(
                $"SELECT r.id, n.name, s.duration_ms FROM runs r JOIN steps s ON s.run_seq = r.seq JOIN step_names n ON n.key = s.name_key WHERE {InBucket} ORDER BY r.id, s.idx;",
                args))
            .ToLookup(s => s.RunId);
        return [.. runs.Select(r => new ProbeRun(r.Id, r.ProbeId, "", RunTrigger.Schedule, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt), null, r.DurationMs,
            Enum.Parse<ProbeOutcome>(r.Outcome), null,
            [.. steps[r.Id].Select((s, i) => new StepResult(i, s.Name, StepOutcome.Pass, default, s.DurationMs, null, null))],
            r.Metrics is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(r.Metrics), r.Window))];
    }

    /// <summary>The rollups of the buckets in [from, to) of <paramref name="length"/>, made from their runs and the runs around them.</summary>
    public static async Task<List<Rollup>> RollUpAsync(NpgsqlConnection connection, UptimeSpanLimits limits, RollupResolution resolution, TimeSpan length,
        DateTimeOffset from, DateTimeOffset to, string? probeId = null) =>
        [.. UptimeWindows.RollUp(resolution, length, from, to, await LoadRunsAsync(connection, from, to, probeId),
            await new UptimeReader(connection).NeighboursAsync(probeId, from, to), limits)];

    public static async Task<DateTimeOffset> MarkAsync(NpgsqlConnection connection, string mark, NpgsqlTransaction? transaction = null) =>
        await connection.ExecuteScalarAsync<long?>("SELECT at FROM history_marks WHERE name = @mark;", new { mark }, transaction) is { } at
            ? DateTimeOffset.FromUnixTimeMilliseconds(at)
            : DateTimeOffset.UnixEpoch;

    public static Task SetMarkAsync(NpgsqlConnection connection, string mark, DateTimeOffset at, NpgsqlTransaction? transaction) =>
        connection.ExecuteAsync("INSERT INTO history_marks (name, at) VALUES (@mark, @at) ON CONFLICT (name) DO UPDATE SET at = excluded.at;",
            new { mark, at = at.ToUnixTimeMilliseconds() }, transaction);

    public static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
