using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webordinary.Dashboard.Storage.Postgres;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// The history benchmark on PostgreSQL: what a year of 50 probes at 30 s leaves in the store — the 14-day raw window
/// (every run with its steps) and the rollups (hourly for 90 days, daily for the year) — written directly with SQL
/// (<c>generate_series</c>) into a database the dashboard's migrations made, not through the write and compaction
/// paths (those take the SQLite benchmark 80 minutes; on PostgreSQL they are the contract suite's to prove). The runs
/// copy the sandbox's real runs of each kind (step names, details, durations), as the SQLite benchmark's do. Then the
/// same measurements as on SQLite: the database's size, the four uptime windows of one probe and of the platform, and
/// the overview and probe pages on screen in Chromium, on a dashboard started on that database.
/// </summary>
public static class HistoryPostgresBenchmark
{
    public const string Name = "history-postgres";

    private const long HourMs = 3_600_000;
    private const long DayMs = 24 * HourMs;
    private const int IntervalMs = 30_000;

    /// <summary>The platform's four uptime windows (every probe's runs) on PostgreSQL: issue 24's target.</summary>
    private const double PlatformTargetMs = 100;

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context, int? days = null)
    {
        days ??= context.Quick ? 30 : 365;
        var probes = await HistoryBenchmark.ProbesAsync(context);
        await using var server = await PostgresServer.StartAsync(new Dictionary<string, string> { ["shared_buffers"] = "128MB", ["maintenance_work_mem"] = "256MB" });
        var connectionString = await server.CreateDatabaseAsync("history");
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await new PostgresSchema(dataSource, NullLogger<PostgresSchema>.Instance).MigrateAsync(CancellationToken.None);
        }

        var generating = Stopwatch.StartNew();
        var runs = await GenerateAsync(context, connectionString, probes, days.Value);
        generating.Stop();
        var (size, breakdown) = await SizeAsync(connectionString);
        var contentRoot = Directory.CreateTempSubdirectory("dashboard-history-postgres-").FullName;
        try
        {
            return await HistoryBenchmark.MeasureHostAsync(context, Name, contentRoot, probes, days.Value, size,
                $"generated with SQL (generate_series), not through the write path: {runs:N0} raw runs of the last {Math.Min(days.Value, 14)} days with their steps, "
                + $"hourly rollups for {Math.Min(days.Value, 90)} days and daily for {days} (step and metric statistics left out), in {generating.Elapsed.TotalMinutes:0.0} min, then VACUUM ANALYZE; {breakdown}",
                PlatformTargetMs,
                settings =>
                {
                    settings["Store:Provider"] = "Postgres";
                    settings["Store:ConnectionString"] = connectionString;
                });
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    private static async Task<long> GenerateAsync(BenchmarkContext context, string connectionString, IReadOnlyList<HistoryBenchmark.GeneratedProbe> probes, int days)
    {
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / HourMs * HourMs;
        var rawFrom = end - Math.Min(days, 14) * DayMs;
        var hourFrom = end - Math.Min(days, 90) * DayMs;
        var dayFrom = end / DayMs * DayMs - days * DayMs;
        await using var connection = new NpgsqlConnection(connectionString + ";Command Timeout=0");
        await connection.OpenAsync();
        var stepNames = probes.SelectMany(p => p.Template.Pass.Steps.Select(s => s.Name)).Distinct().ToList();
        foreach (var name in stepNames)
        {
            await ExecuteAsync(connection, "INSERT INTO step_names (name) VALUES ($1);", name);
        }

        long total = 0;
        foreach (var (probe, index) in probes.Select((p, i) => (p, i)))
        {
            var pass = probe.Template.Pass;
            var key = (int)(await ScalarAsync(connection, "INSERT INTO probe_keys (probe_id, probe_kind) VALUES ($1, $2) RETURNING key;", probe.Id, pass.ProbeKind))!;
            var metrics = pass.Metrics is { Count: > 0 } ? JsonSerializer.Serialize(pass.Metrics) : null;
            // Runs every 30 s at the probe's offset, about 0.2% failing, durations spread around the template's.
            total += await ExecuteAsync(connection, """
                INSERT INTO runs (id, probe_key, trigger, started_at, ended_at, duration_ms, outcome, message, metrics)
                SELECT md5($1 || t::text), $2, 'Schedule', t, t + d::bigint, d, o, CASE o WHEN 'Fail' THEN 'step failed: 503' END, CAST($5 AS jsonb)
                FROM generate_series($3::bigint, $4::bigint, 30000) AS t,
                     LATERAL (SELECT $6::double precision * (0.8 + random() * 0.4) AS d, CASE WHEN random() < 0.002 THEN 'Fail' ELSE 'Pass' END AS o) AS r;
                """, probe.Id, key, rawFrom + probe.OffsetMs, end - IntervalMs + probe.OffsetMs, metrics, pass.DurationMs ?? 100.0);
            foreach (var step in pass.Steps)
            {
                var offset = (int)(step.StartedAt - pass.StartedAt).TotalMilliseconds;
                await ExecuteAsync(connection, """
                    INSERT INTO steps (run_seq, idx, name_key, outcome, start_offset_ms, duration_ms, detail)
                    SELECT seq, $2, (SELECT key FROM step_names WHERE name = $3), 'Pass', $4, $5 * (0.8 + random() * 0.4), $6
                    FROM runs WHERE probe_key = $1;
                    """, key, step.Index, step.Name, offset, step.DurationMs, step.Detail);
            }

            await ExecuteAsync(connection, """
                INSERT INTO rollups (probe_id, resolution, bucket_start, runs, passes, degraded, fails, parked, parked_ms, p50_ms, p95_ms, max_ms)
                SELECT $1, 'Hour', b, 120, 120 - f, 0, f, 0, 0, $4 * 0.98, $4 * 1.15, $4 * 1.2
                FROM generate_series($2::bigint, $3::bigint, 3600000) AS b, LATERAL (SELECT CASE WHEN random() < 0.2 THEN 1 ELSE 0 END AS f) AS x;
                """, probe.Id, hourFrom, end - HourMs, pass.DurationMs ?? 100.0);
            await ExecuteAsync(connection, """
                INSERT INTO rollups (probe_id, resolution, bucket_start, runs, passes, degraded, fails, parked, parked_ms, p50_ms, p95_ms, max_ms)
                SELECT $1, 'Day', b, 2880, 2874, 0, 6, 0, 0, $4 * 0.98, $4 * 1.15, $4 * 1.3
                FROM generate_series($2::bigint, $3::bigint, 86400000) AS b;
                """, probe.Id, dayFrom, end / DayMs * DayMs - DayMs, pass.DurationMs ?? 100.0);
            context.Log($"history-postgres: {index + 1} of {probes.Count} probes generated ({total:N0} runs)");
        }

        // As the compaction leaves them: every closed hour and day rolled up, raw runs and hourly rollups deleted before their retention.
        await ExecuteAsync(connection, """
            INSERT INTO history_marks (name, at) VALUES ('hour.done', $1), ('day.done', $2), ('raw.deleted-before', $3), ('hour.deleted-before', $4);
            """, end, end / DayMs * DayMs, rawFrom, hourFrom);
        context.Log("history-postgres: VACUUM ANALYZE");
        await ExecuteAsync(connection, "VACUUM ANALYZE;");
        return total;
    }

    private static async Task<(long Size, string Breakdown)> SizeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT pg_database_size(current_database()), pg_total_relation_size('runs'), pg_total_relation_size('steps'), pg_total_relation_size('rollups'),
                   (SELECT count(*) FROM runs), (SELECT count(*) FROM steps), (SELECT count(*) FROM rollups WHERE resolution = 'Hour'), (SELECT count(*) FROM rollups WHERE resolution = 'Day');
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (size, runs, steps, rollups) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        var (runCount, stepCount, hourly, daily) = (reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
        return (size, string.Create(CultureInfo.InvariantCulture,
            $"kept: {runCount:N0} raw runs ({(runs + steps) / Math.Max(1, runCount)} bytes of runs and steps with their indexes per raw run; runs {Stats.Mb(runs)}, steps {Stats.Mb(steps)}), "
            + $"{stepCount:N0} steps, {hourly:N0} hourly and {daily:N0} daily rollups ({Stats.Mb(rollups)})"));
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, params object?[] values)
    {
        await using var command = Command(connection, sql, values);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, params object?[] values)
    {
        await using var command = Command(connection, sql, values);
        return await command.ExecuteScalarAsync();
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }
}
