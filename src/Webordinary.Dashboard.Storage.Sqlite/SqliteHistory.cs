using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>What the history's queries and its compaction share: the watermarks, the runs of a stretch, the rollups' rows.</summary>
internal static class SqliteHistory
{
    public const string HourDone = HistoryMarks.HourDone;
    public const string DayDone = HistoryMarks.DayDone;
    public const string RawDeletedBefore = HistoryMarks.RawDeletedBefore;
    public const string HourDeletedBefore = HistoryMarks.HourDeletedBefore;

    /// <summary>Completed runs that started in [from, to): every probe's, or one probe's.</summary>
    public static async Task<List<ProbeRun>> LoadRunsAsync(SqliteConnection connection, DateTimeOffset from, DateTimeOffset to, string? probeId = null)
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

    /// <summary>The rollups of the buckets in [from, to) of <paramref name="length"/>, made from their runs and the runs around them.</summary>
    public static async Task<List<Rollup>> RollUpAsync(SqliteConnection connection, UptimeSpanLimits limits, RollupResolution resolution, TimeSpan length,
        DateTimeOffset from, DateTimeOffset to, string? probeId = null) =>
        [.. UptimeWindows.RollUp(resolution, length, from, to, await LoadRunsAsync(connection, from, to, probeId),
            await new UptimeReader(connection).NeighboursAsync(probeId, from, to), limits)];

    public static Task<DateTimeOffset> MarkAsync(SqliteConnection connection, string mark) => new UptimeReader(connection).MarkAsync(mark);

    public static Task SetMarkAsync(SqliteConnection connection, string mark, DateTimeOffset at, SqliteTransaction? transaction) =>
        connection.ExecuteAsync("INSERT OR REPLACE INTO history_marks (name, at) VALUES (@mark, @at);", new { mark, at = at.ToUnixTimeMilliseconds() }, transaction);

    public static DateTimeOffset Floor(DateTimeOffset at, TimeSpan length) => HistoryBuckets.Floor(at, length);

    public static DateTimeOffset Ceiling(DateTimeOffset at, TimeSpan length) => HistoryBuckets.Ceiling(at, length);

    public static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
