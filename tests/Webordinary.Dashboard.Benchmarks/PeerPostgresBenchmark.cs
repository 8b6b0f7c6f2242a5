using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// The peer row's load on PostgreSQL: 500 HTTP probes at 10 s against one local target, first by a dashboard on SQLite,
/// then by one on a local PostgreSQL 15 server (Debian's, made by <c>initdb</c> as the tests do, with fsync and
/// synchronous commits on as a real server has them), one after the other in the same run, each in a process of its
/// own. Over the same window after the same warm-up: the dashboard's CPU (% of one core, /proc/PID/stat), and on
/// PostgreSQL also the server's own — the postmaster and every process under it (sessions, WAL writer, checkpointer,
/// autovacuum), with the time of sessions that ended meanwhile (cutime, cstime). Then every run and its steps are
/// counted in the database.
/// </summary>
public static class PeerPostgresBenchmark
{
    public const string Name = "peer-postgres";

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context)
    {
        var measure = context.Quick ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(2);
        var warmUp = context.Quick ? TimeSpan.FromSeconds(15) : TimeSpan.FromSeconds(40);
        await using var target = await StubServer.StartAsync(app => app.MapGet("/health", () => Results.Ok("ok")));
        var targetUrl = target.Urls.First() + "/health";
        var directory = Directory.CreateTempSubdirectory("peer-postgres-benchmark-").FullName;
        // Durable as a production server is (the test servers turn durability off for speed); later -c settings win.
        await using var server = await PostgresServer.StartAsync(new Dictionary<string, string>
        {
            ["fsync"] = "on",
            ["synchronous_commit"] = "on",
            ["full_page_writes"] = "on",
            ["shared_buffers"] = "128MB",
        });
        var connectionString = await server.CreateDatabaseAsync("dashboard");
        try
        {
            var sqlite = await MeasureAsync(context, "SQLite", Path.Combine(directory, "sqlite"), targetUrl, null, null, warmUp, measure);
            var postgres = await MeasureAsync(context, "PostgreSQL", Path.Combine(directory, "postgres"), targetUrl,
                new Dictionary<string, string> { ["Store__Provider"] = "Postgres", ["Store__ConnectionString"] = connectionString },
                PostmasterPid(server), warmUp, measure);
            var (runs, steps, runsWithoutSteps, size) = await CountStoredAsync(connectionString);
            var total = postgres.Dashboard + postgres.Server;
            var ratio = total / sqlite.Dashboard;
            context.Log($"peer-postgres: SQLite {sqlite.Dashboard:0.0}%; PostgreSQL dashboard {postgres.Dashboard:0.0}% + server {postgres.Server:0.0}% = {total:0.0}% ({ratio:0.00}×); "
                + $"{runs} runs, {steps} steps stored, {runsWithoutSteps} runs without steps");
            return
            [
                new BenchmarkRow(Name, $"500 HTTP checks at 10 s, {measure.TotalSeconds:0} s, on PostgreSQL against SQLite",
                    $"PostgreSQL: dashboard {postgres.Dashboard:0.0}% of a core + the server's processes {postgres.Server:0.0}% = {total:0.0}%, dashboard RSS {postgres.RssMb:0} MB; "
                    + $"SQLite: {sqlite.Dashboard:0.0}%, RSS {sqlite.RssMb:0} MB (**{ratio:0.00}×**)",
                    "<= 1.5× the SQLite figure", BenchmarkRow.YesNo(ratio <= 1.5),
                    $"one after the other in the same run; PostgreSQL stored {runs} runs and {steps} steps ({runsWithoutSteps} completed runs without a step; database {size / 1048576.0:0} MB), "
                    + $"SQLite {sqlite.Runs} runs in its 24 h uptime; server: postmaster + children incl. ended sessions, fsync and synchronous_commit on"),
            ];
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed record Figures(double Dashboard, double Server, double RssMb, long Runs);

    private static async Task<Figures> MeasureAsync(BenchmarkContext context, string store, string directory, string targetUrl,
        IReadOnlyDictionary<string, string>? environment, int? serverPid, TimeSpan warmUp, TimeSpan measure)
    {
        using var dashboard = PeerBenchmark.StartDashboard(directory, targetUrl, out var url, environment);
        try
        {
            await PeerBenchmark.WaitAsync(async http => (await http.GetAsync(url + "/alive")).IsSuccessStatusCode, $"the dashboard on {store}", dashboard);
            context.Log($"peer-postgres: the dashboard on {store} is up; warming up {warmUp.TotalSeconds:0} s, then measuring {measure.TotalSeconds:0} s");
            await Task.Delay(warmUp);
            var (dashboardFrom, serverFrom) = (PeerBenchmark.Read(dashboard), ServerCpu(serverPid));
            var wall = Stopwatch.StartNew();
            var rss = new List<long>();
            while (wall.Elapsed < measure)
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
                rss.Add(PeerBenchmark.Read(dashboard).Rss);
            }

            var (dashboardTo, serverTo) = (PeerBenchmark.Read(dashboard), ServerCpu(serverPid));
            var elapsed = wall.Elapsed;
            var runs = await PeerBenchmark.CountRunsAsync(url);
            return new Figures((dashboardTo.Cpu - dashboardFrom.Cpu) / elapsed * 100, (serverTo - serverFrom) / elapsed * 100, rss.Average() / 1048576, runs);
        }
        finally
        {
            dashboard.Kill(entireProcessTree: true);
            await dashboard.WaitForExitAsync();
        }
    }

    private static int PostmasterPid(PostgresServer server) =>
        int.Parse(File.ReadLines(Path.Combine(server.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    /// <summary>The CPU time of the postmaster and every process under it (each with its ended children's), or zero without a server.</summary>
    private static TimeSpan ServerCpu(int? postmaster)
    {
        if (postmaster is not { } pid)
        {
            return TimeSpan.Zero;
        }

        var total = PeerBenchmark.Read(pid, withChildren: true).Cpu;
        var parent = pid.ToString(CultureInfo.InvariantCulture);
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var child))
            {
                continue;
            }

            try
            {
                if (PeerBenchmark.StatFields(child)[1] == parent)
                {
                    total += PeerBenchmark.Read(child, withChildren: true).Cpu;
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Ended between the listing and the read: its time is in the postmaster's cutime now.
            }
        }

        return total;
    }

    private static async Task<(long Runs, long Steps, long RunsWithoutSteps, long Bytes)> CountStoredAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM steps),
                   (SELECT count(*) FROM runs r WHERE r.ended_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_seq = r.seq)),
                   pg_database_size(current_database());
            """, connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }
}
