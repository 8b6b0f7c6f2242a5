using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store;

public sealed class SqliteResultsStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("store-test-").FullName;

    private string DatabasePath => Path.Combine(_directory, "dashboard.db");

    private SqliteResultsStore NewStore() =>
        new(new SqliteDatabase(DatabasePath, NullLogger<SqliteDatabase>.Instance), TimeProvider.System, NullLogger<SqliteResultsStore>.Instance);

    [Fact]
    public async Task Schema_is_created_in_wal_mode_and_reopening_does_not_migrate_again()
    {
        await NewStore().InitializeAsync(CancellationToken.None);
        await NewStore().InitializeAsync(CancellationToken.None);

        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode;"));
        Assert.Equal((long)SqliteDatabase.SchemaVersion, Scalar(connection, "PRAGMA user_version;"));
    }

    [Fact]
    public async Task A_schema_6_database_keeps_every_run_and_step_through_the_compact_layout_migration()
    {
        await using (var old = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            await old.OpenAsync();
            foreach (var script in SqliteDatabase.MigrationScripts.Take(6))
            {
                Execute(old, script);
            }

            Execute(old, """
                PRAGMA user_version = 6;
                INSERT INTO runs (id, probe_id, probe_kind, trigger, started_at, ended_at, duration_ms, outcome, message, metrics)
                VALUES ('a', 'hermes', 'HermesHealth', 'Schedule', 1764000000000, 1764000000400, 400.5, 'Fail', 'boom', '{"firstResponseMs":12.5}'),
                       ('b', 'hermes', 'HermesHealth', 'Manual', 1764000030000, NULL, NULL, 'Unknown', NULL, NULL),
                       ('c', 'ecs', 'EcsService', 'Schedule', 1764000010000, 1764000010020, 20, 'Pass', 'ok', NULL);
                INSERT INTO steps (run_id, idx, name, outcome, started_at, duration_ms, detail, failure_kind, failure_message, error_code, request_id, http_status)
                VALUES ('a', 0, 'Describe', 'Pass', 1764000000001, 12.5, 'ACTIVE', NULL, NULL, NULL, NULL, NULL),
                       ('a', 1, 'GET /hermes/health', 'Fail', 1764000000020, 301.25, NULL, 'Aws', 'Rate exceeded', 'ThrottlingException', 'req-42', 400),
                       ('c', 0, 'Describe', 'Pass', 1764000010001, 19, 'ACTIVE', NULL, NULL, NULL, NULL, NULL);
                """);
        }

        var store = NewStore();
        await store.InitializeAsync(CancellationToken.None);
        var a = await store.GetRunAsync("a", CancellationToken.None);
        var hermes = await store.GetRunsAsync("hermes", 10, null, CancellationToken.None);

        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);
        Assert.Equal(new ProbeRun("a", "hermes", "HermesHealth", RunTrigger.Schedule, t0, t0.AddMilliseconds(400), 400.5, ProbeOutcome.Fail, "boom", [],
            new Dictionary<string, double> { ["firstResponseMs"] = 12.5 }) with { Steps = [], Metrics = null }, a! with { Steps = [], Metrics = null });
        Assert.Equal(12.5, a.Metrics!["firstResponseMs"]);
        Assert.Equal(
            [
                new StepResult(0, "Describe", StepOutcome.Pass, t0.AddMilliseconds(1), 12.5, "ACTIVE", null),
                new StepResult(1, "GET /hermes/health", StepOutcome.Fail, t0.AddMilliseconds(20), 301.25, null,
                    new StepFailure("Aws", "Rate exceeded", "ThrottlingException", "req-42", 400)),
            ],
            a.Steps);
        // "b" was left running by the old process: closed as interrupted, like any ghost run.
        Assert.Equal(["b", "a"], hermes.Select(r => r.Id));
        Assert.Equal(SqliteResultsStore.InterruptedMessage, hermes[0].Message);
        Assert.Equal(1, await store.CountRunsAsync("ecs", CancellationToken.None));
        Assert.Equal("Describe", Assert.Single((await store.GetRunAsync("c", CancellationToken.None))!.Steps).Name);
    }

    [Fact]
    public async Task A_schema_7_database_has_its_interrupted_failures_made_interrupted_and_its_rollups_corrected()
    {
        var hour = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000 - 1_764_000_000_000 % 3_600_000);
        await using (var old = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            await old.OpenAsync();
            foreach (var script in SqliteDatabase.MigrationScripts.Take(7))
            {
                Execute(old, script);
            }

            var t = hour.ToUnixTimeMilliseconds();
            Execute(old, $"""
                PRAGMA user_version = 7;
                INSERT INTO probe_keys (key, probe_id, probe_kind) VALUES (1, 'flow', 'SessionPersistence');
                INSERT INTO runs (id, probe_key, trigger, started_at, ended_at, duration_ms, outcome, message)
                VALUES ('crashed', 1, 'Schedule', {t + 1000}, {t + 2000}, NULL, 'Fail', '{SqliteResultsStore.InterruptedMessage}'),
                       ('stopped', 1, 'Schedule', {t + 3000}, {t + 4000}, 900, 'Fail', 'Cancelled: the dashboard stopped during the run.'),
                       ('real', 1, 'Schedule', {t + 5000}, {t + 6000}, 900, 'Fail', 'Read state back: unchanged: different'),
                       ('ok', 1, 'Schedule', {t + 7000}, {t + 8000}, 900, 'Pass', 'ok');
                INSERT INTO rollups (probe_id, resolution, bucket_start, runs, passes, degraded, fails, parked, parked_ms)
                VALUES ('flow', 'Hour', {t}, 4, 1, 0, 3, 0, 0), ('flow', 'Day', {t - t % 86_400_000}, 4, 1, 0, 3, 0, 0);
                """);
        }

        var database = new SqliteDatabase(DatabasePath, NullLogger<SqliteDatabase>.Instance);
        var store = new SqliteResultsStore(database, TimeProvider.System, NullLogger<SqliteResultsStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        var history = new SqliteHistoryStore(database, Webordinary.Dashboard.Probes.History.UptimeSpanLimits.Unconfigured, TimeProvider.System);
        var rollups = await history.GetRollupsAsync("flow", Webordinary.Dashboard.Probes.History.RollupResolution.Hour, hour, hour.AddHours(1), CancellationToken.None);

        var runs = (await store.GetRunsAsync("flow", 10, null, CancellationToken.None)).ToDictionary(r => r.Id, r => r.Outcome);
        Assert.Equal(ProbeOutcome.Interrupted, runs["crashed"]);
        Assert.Equal(ProbeOutcome.Interrupted, runs["stopped"]);
        Assert.Equal(ProbeOutcome.Fail, runs["real"]);
        var rollup = Assert.Single(rollups);
        Assert.Equal((4, 1, 1, 2), (rollup.Runs, rollup.Passes, rollup.Fails, rollup.Interrupted));
        // One pass of the two counted runs: the crashes cost no uptime.
        Assert.Equal(2, rollup.Counted);
    }

    [Fact]
    public async Task Stopping_the_dashboard_mid_run_leaves_no_ghost_running_after_restart()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName, timeout: "00:05:00");
        var host = await DashboardHost.StartAsync(settings, _directory);
        host.Get<FaultInjector>().Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Slow, LatencyMs: 60_000));
        using (var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>()))
        {
            var request = await host.Get<IProbeTriggers>().RunNowAsync("hermes", CancellationToken.None);
            await recorder.WaitForAsync<RunStartedEvent>(e => e.Run.Id == request.RunId);
            var stopping = System.Diagnostics.Stopwatch.StartNew();
            await host.DisposeAsync();
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"shutdown waited {stopping.Elapsed} for the hung run");
        }

        await using var restarted = await DashboardHost.StartAsync(settings, _directory);
        var runs = await restarted.Get<IResultsStore>().GetRunsAsync("hermes", 10, null, CancellationToken.None);

        var run = Assert.Single(runs);
        Assert.False(run.IsRunning);
        Assert.Equal(ProbeOutcome.Interrupted, run.Outcome);
        Assert.Contains("dashboard stopped", run.Message);
        Assert.Equal(ProbeOutcome.Interrupted, restarted.Get<ProbeStatusFeed>().Get("hermes")!.Status);
        // Uptime does not count it: nothing failed, nothing was counted.
        var day = (await restarted.Get<IHistoryStore>().GetUptimeAsync("hermes", CancellationToken.None))[0];
        Assert.Equal((1, 0, 1, (double?)null), (day.Runs, day.Failed, day.Interrupted, day.Uptime));
        Assert.Empty(await restarted.Get<Webordinary.Dashboard.Storage.IIncidentStore>().ListAsync("hermes", false, 10, CancellationToken.None));
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
