using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Webordinary.Dashboard.Cli;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Copy;
using Webordinary.Dashboard.Storage.Sqlite;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>
/// <c>store copy</c>: a SQLite store filled through its ports is copied into a fresh database on a real PostgreSQL server;
/// every table arrives with all its rows, the dashboard's reads on PostgreSQL answer what they answered on SQLite, new
/// rows get new keys, and a second copy, a held source, bad arguments and missing settings change nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StoreCopyTests(SharedPostgres postgres) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-03-10T12:00:00Z");

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("store-copy-").FullName;
    private readonly PostgresTestDatabase _target = new(postgres);
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly List<ServiceProvider> _processes = [];

    private string SqlitePath => Path.Combine(_dataDirectory, SqliteDatabase.FileName);

    [Fact]
    public async Task Every_table_is_copied_and_the_dashboards_reads_on_postgres_equal_those_on_sqlite_and_a_second_copy_is_refused()
    {
        var sqlite = await OpenAsync(services => services.AddSqliteStore(_ => SqlitePath));
        await SeedAsync(sqlite);
        var sourceCounts = await SqliteCountsAsync();
        // The enumeration is the schema: a table added to SQLite's migrations and not to the copy fails here.
        Assert.Equal(sourceCounts.Keys.Order(StringComparer.Ordinal), StoreTables.Copied.Order(StringComparer.Ordinal));
        Assert.All(sourceCounts, table => Assert.True(table.Value > 0, $"the seed leaves {table.Key} empty: its copy would go untested"));
        var before = await ReadsAsync(sqlite);
        await DisposeProcessesAsync();

        var (exit, output, error) = await CopyAsync(Settings(), "store", "copy", "--batch-size", "7");

        Assert.True(exit == StoreCli.Copied, $"exit {exit}: {output}{error}");
        Assert.Equal(Sorted(sourceCounts), Sorted(await PostgresCountsAsync()));
        Assert.Contains($"runs: 7 of {sourceCounts["runs"]} rows", output);
        Assert.Contains($"runs: {sourceCounts["runs"]} of {sourceCounts["runs"]} rows", output);
        foreach (var (table, rows) in sourceCounts)
        {
            Assert.Matches($@"(?m)^  {table} +{rows}\r?$", output);
        }

        var onPostgres = await OpenAsync(_target.AddTo);
        var after = await ReadsAsync(onPostgres);
        foreach (var (read, value) in before)
        {
            Assert.True(value == after[read], $"{read} differs:{Environment.NewLine}SQLite:     {value}{Environment.NewLine}PostgreSQL: {after[read]}");
        }

        // A second copy into the now non-empty target is refused, and nothing of it is written.
        var (again, _, refusal) = await CopyAsync(Settings(), "store", "copy");
        Assert.Equal(StoreCli.Refused, again);
        Assert.Contains("already holds data (probe_keys, step_names, runs", refusal);
        Assert.Equal(Sorted(sourceCounts), Sorted(await PostgresCountsAsync()));

        // Generated keys continue after the copied ones: new runs and outbox rows are stored beside them.
        var results = onPostgres.GetRequiredService<IResultsStore>();
        await results.InsertCompletedRunAsync(Run("hermes", Now.AddMinutes(-1), ProbeOutcome.Pass), CancellationToken.None);
        Assert.Equal(sourceCounts["runs"] + 1, await PostgresCountAsync("runs"));
        var outbox = onPostgres.GetRequiredService<INotificationOutbox>();
        var copiedIds = (await outbox.ListAsync(new DeliveryQuery(), CancellationToken.None)).Select(entry => entry.Id).ToList();
        await outbox.WriteAsync([new OutboxWrite(OutboxWriteKind.Queue, "test:after-copy", "ops", NotificationEvent.Test, null, null, Now, null, "{}")], CancellationToken.None);
        Assert.True((await outbox.GetAsync("test:after-copy", CancellationToken.None))!.Id > copiedIds.Max());
    }

    [Fact]
    public async Task A_source_a_dashboard_holds_is_refused_naming_the_lock_and_the_target_is_left_untouched()
    {
        await SeedAsync(await OpenAsync(services => services.AddSqliteStore(_ => SqlitePath)));
        await DisposeProcessesAsync();
        // A dashboard's hold on the store: the exclusive lock on dashboard.db.lock beside it.
        await using var held = new FileStream(Path.Combine(_dataDirectory, SqliteInstanceLock.FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var (exit, _, error) = await CopyAsync(Settings(), "store", "copy");

        Assert.Equal(StoreCli.BadUsage, exit);
        Assert.Contains("is in use", error);
        Assert.Contains(SqliteInstanceLock.FileName, error);
        await using var connection = new NpgsqlConnection(_target.ConnectionString);
        await connection.OpenAsync();
        await using var schema = new NpgsqlCommand("SELECT to_regclass('runs') IS NULL;", connection);
        Assert.True((bool)(await schema.ExecuteScalarAsync())!);
    }

    [Theory]
    [InlineData("store")]
    [InlineData("store", "copy", "--to", "elsewhere")]
    [InlineData("store", "copy", "--batch-size", "0")]
    [InlineData("store", "copy", "--batch-size", "many")]
    public async Task Bad_arguments_exit_2(params string[] args)
    {
        var (exit, _, error) = await CopyAsync(Settings(), args);

        Assert.True(exit == StoreCli.BadUsage, $"exit {exit}: {error}");
        Assert.StartsWith("error:", error);
    }

    [Fact]
    public async Task A_missing_connection_string_or_source_exits_2_naming_the_key()
    {
        var noConnection = Settings();
        noConnection.Remove("Store:ConnectionString");
        var (exit, _, error) = await CopyAsync(noConnection, "store", "copy");
        Assert.Equal(StoreCli.BadUsage, exit);
        Assert.Contains("Store:ConnectionString: required", error);

        // No SQLite store in the data directory: nothing to copy, and the directory is named.
        (exit, _, error) = await CopyAsync(Settings(), "store", "copy");
        Assert.Equal(StoreCli.BadUsage, exit);
        Assert.Contains($"Dashboard:DataDirectory '{_dataDirectory}' holds no SQLite store", error);
    }

    public Task InitializeAsync() => _target.CreateAsync();

    public async Task DisposeAsync()
    {
        await DisposeProcessesAsync();
        await _target.DropAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Dashboard:DataDirectory"] = _dataDirectory,
        ["Store:ConnectionString"] = _target.ConnectionString,
    };

    private static async Task<(int Exit, string Output, string Error)> CopyAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await StoreCli.RunAsync(args, output, error, configuration =>
        {
            configuration.Sources.Clear();
            configuration.AddInMemoryCollection(settings);
        });
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>A process of the dashboard's stores on one engine, on the test's clock, its schema applied.</summary>
    private async Task<IServiceProvider> OpenAsync(Action<IServiceCollection> addStore)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddOptions<HistoryOptions>();
        addStore(services);
        var process = services.BuildServiceProvider();
        _processes.Add(process);
        await process.GetRequiredService<IStore>().MigrateAsync(CancellationToken.None);
        return process;
    }

    private async Task DisposeProcessesAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _processes.Clear();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Every table filled as the dashboard fills it: three days of two probes' runs rolled up, and one of each other thing.</summary>
    private static async Task SeedAsync(IServiceProvider store)
    {
        var cancel = CancellationToken.None;
        var results = store.GetRequiredService<IResultsStore>();
        for (var i = 0; i < 36; i++)
        {
            var outcome = i % 9 == 4 ? ProbeOutcome.Fail : i % 5 == 3 ? ProbeOutcome.Degraded : ProbeOutcome.Pass;
            await results.InsertCompletedRunAsync(Run("hermes", Now.AddHours(-2 * i - 1), outcome), cancel);
            await results.InsertCompletedRunAsync(Run("ecs", Now.AddHours(-2 * i - 1).AddMinutes(7), i == 10 ? ProbeOutcome.Maintenance : ProbeOutcome.Pass,
                maintenance: i == 10 ? "deploy: new task definition, until 14:00" : null), cancel);
        }

        await store.GetRequiredService<IHistoryCompaction>().CompactAsync(cancel);

        var incidents = store.GetRequiredService<IIncidentStore>();
        var resolved = new Incident("inc-1", "hermes", Now.AddHours(-9), Now.AddHours(-8.5), "run-x", "GET /health", "503", ["routing", "ecs"], "ended: service parked");
        await incidents.UpsertAsync(resolved, cancel,
            [new OutboxWrite(OutboxWriteKind.Queue, "inc-1:opened:ops", "ops", NotificationEvent.Opened, "inc-1", "hermes", Now.AddHours(-9), null, """{"text":"hermes is down"}""")]);
        await incidents.UpsertAsync(new Incident("inc-2", "ecs", Now.AddMinutes(-20), null, "run-y", null, null, MergedInto: null), cancel,
            [new OutboxWrite(OutboxWriteKind.Queue, "inc-2:opened:ops", "ops", NotificationEvent.Opened, "inc-2", "ecs", Now.AddMinutes(-20), Now.AddMinutes(-18), """{"text":"ecs is down"}""")]);
        var outbox = store.GetRequiredService<INotificationOutbox>();
        var first = (await outbox.GetAsync("inc-1:opened:ops", cancel))!;
        Assert.True(await outbox.ClaimAsync(first.Id, cancel));
        await outbox.RecordAttemptAsync(first.Id, DeliveryState.Delivered, 1, Now.AddHours(-9), Now.AddHours(-9), 200, null, cancel);

        var audit = store.GetRequiredService<IAuditStore>();
        var alice = new Actor("sub-1", "alice@example.com", "cookie");
        await audit.AddAsync(new AuditEntry("a1", Now.AddHours(-3), alice, AuditAction.RunNow, "ecs", AuditOutcomes.Done, null), cancel);
        await audit.AddAsync(new AuditEntry("a2", Now.AddHours(-2), alice, AuditAction.Scale, "hermes", nameof(ScaleOutcome.InProgress), "to 2",
            new ScaleChange(0, 2, ScaleReason.Manual)), cancel);
        await audit.CompleteScaleAsync("a2", ScaleOutcome.Completed, null, Now.AddHours(-2).AddSeconds(40), 39_000, cancel);

        await store.GetRequiredService<IMaintenanceWindowStore>().AddAsync(
            new StoredMaintenanceWindow("adhoc-1", Now, "alice", Now.AddHours(1), Now.AddHours(2), "upgrade", ["hermes", "ecs"], ["Alb"]), cancel);
        await store.GetRequiredService<ISchedulePauses>().SetAsync("night", paused: true, cancel);
        var keys = store.GetRequiredService<IApiKeyRecords>();
        await keys.SyncConfiguredAsync([new ConfiguredApiKey("ci", new string('a', 64), "Operator")], Now.AddDays(-2), cancel);
        await keys.AddAsync(new StoredApiKey("bot", "dashboard", new string('b', 64), "Viewer", Now.AddDays(-1), "alice (cookie)", null, null, null), cancel);
        await keys.RecordUseAsync("bot", Now.AddHours(-1), cancel);

        Assert.Equal(IncidentUpdate.Done, await incidents.AddNoteAsync(
            new IncidentNote("note-1", "inc-2", "sub-1", "alice@example.com", Now.AddMinutes(-15), null, "Looking at the task's logs <b>now</b>."), cancel));
        await store.GetRequiredService<IDataProtectionKeys>().AddAsync(new StoredDataProtectionKey("key-1", "<key id=\"1\" version=\"1\" />"), cancel);
        await store.GetRequiredService<ISignInSessions>().AddAsync("session-1", [1, 2, 3], Now.AddHours(8), cancel);
        Assert.Null(await store.GetRequiredService<IRunNowCooldowns>().TryClaimAsync("ecs", Now.AddMinutes(-1), TimeSpan.FromSeconds(10), cancel));
        Assert.Null(await store.GetRequiredService<IScaleClaims>().TryClaimAsync(
            new ScaleClaim("hermes", "a2", "sub-1", "alice@example.com", ScaleReason.Manual, 2, Now.AddHours(-2), "host-1-a"), Now.AddHours(-3), cancel));
    }

    private static ProbeRun Run(string probe, DateTimeOffset at, ProbeOutcome outcome, string? maintenance = null)
    {
        var failed = outcome == ProbeOutcome.Fail;
        StepResult[] steps =
        [
            new(0, "resolve", StepOutcome.Pass, at, 12.5, "10.0.0.1", null),
            new(1, "GET /health", failed ? StepOutcome.Fail : StepOutcome.Pass, at.AddMilliseconds(13), failed ? 5_000 : 80.25, null,
                failed ? new StepFailure("Http", "503 Service Unavailable", "ServiceUnavailable", "req-1", 503) : null),
        ];
        return new ProbeRun(ProbeRun.NewId(), probe, "Http", RunTrigger.Schedule, at, at.AddMilliseconds(steps.Sum(s => s.DurationMs) + 13),
            steps.Sum(s => s.DurationMs) + 13, outcome, failed ? "GET /health: 503" : null, steps,
            new Dictionary<string, double> { ["ttfb_ms"] = 42.5 }, maintenance);
    }

    /// <summary>What the dashboard's pages and API read, as JSON, by name.</summary>
    private static async Task<Dictionary<string, string>> ReadsAsync(IServiceProvider store)
    {
        var cancel = CancellationToken.None;
        var results = store.GetRequiredService<IResultsStore>();
        var history = store.GetRequiredService<IHistoryStore>();
        var reads = new Dictionary<string, object?>
        {
            ["uptime hermes"] = await history.GetUptimeAsync("hermes", cancel),
            ["uptime platform"] = await history.GetUptimeAsync(null, cancel),
            ["history hermes"] = await history.GetHistoryAsync("hermes", RollupResolution.Hour, Now.AddDays(-4), Now, cancel),
            ["runs hermes"] = await results.GetRunsAsync("hermes", 100, null, cancel),
            ["runs ecs"] = await results.GetRunsAsync("ecs", 100, null, cancel),
            ["run count ecs"] = await results.CountRunsAsync("ecs", cancel),
            ["incidents"] = await store.GetRequiredService<IIncidentStore>().ListAsync(null, openOnly: false, 100, cancel, includeMerged: true),
            ["incidents of ecs"] = await store.GetRequiredService<IIncidentStore>().ListAsync("ecs", openOnly: false, 100, cancel),
            ["audit"] = await store.GetRequiredService<IAuditStore>().ListAsync(new AuditQuery(), cancel),
            ["api keys"] = await store.GetRequiredService<IApiKeyRecords>().ListAsync(cancel),
            ["maintenance windows"] = await store.GetRequiredService<IMaintenanceWindowStore>().ListOpenAsync(Now, cancel),
            ["schedule pauses"] = await store.GetRequiredService<ISchedulePauses>().ListAsync(cancel),
            ["deliveries"] = await store.GetRequiredService<INotificationOutbox>().ListAsync(new DeliveryQuery(), cancel),
            ["channel figures"] = await store.GetRequiredService<INotificationOutbox>().FiguresAsync(cancel),
            ["notes of inc-2"] = await store.GetRequiredService<IIncidentStore>().ListNotesAsync("inc-2", cancel),
            ["data protection keys"] = await store.GetRequiredService<IDataProtectionKeys>().ListAsync(cancel),
            ["sign-in session"] = await store.GetRequiredService<ISignInSessions>().GetAsync("session-1", Now, cancel),
        };
        return reads.ToDictionary(read => read.Key, read => JsonSerializer.Serialize(read.Value));
    }

    private static List<KeyValuePair<string, long>> Sorted(Dictionary<string, long> counts) => [.. counts.OrderBy(table => table.Key, StringComparer.Ordinal)];

    private async Task<Dictionary<string, long>> SqliteCountsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={SqlitePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new SqliteCommand("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%';", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var counts = new Dictionary<string, long>();
        foreach (var table in tables)
        {
            await using var count = new SqliteCommand($"SELECT COUNT(*) FROM \"{table}\";", connection);
            counts[table] = (long)(await count.ExecuteScalarAsync())!;
        }

        return counts;
    }

    private async Task<Dictionary<string, long>> PostgresCountsAsync()
    {
        var counts = new Dictionary<string, long>();
        foreach (var table in StoreTables.Copied)
        {
            counts[table] = await PostgresCountAsync(table);
        }

        return counts;
    }

    private async Task<long> PostgresCountAsync(string table)
    {
        await using var connection = new NpgsqlConnection(_target.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"SELECT COUNT(*) FROM \"{table}\";", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
