using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webordinary.Dashboard.Storage.Sqlite;
using Webordinary.Dashboard.Storage.Postgres;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>The PostgreSQL schema by DbUp on a real server: applied once, in order, and safely by instances starting together.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests(SharedPostgres postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_empty_database_gets_every_script_once_and_a_second_run_applies_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.Server.CreateDatabaseAsync());
        var schema = new PostgresSchema(dataSource, NullLogger<PostgresSchema>.Instance);

        var first = await schema.MigrateAsync(CancellationToken.None);
        var second = await schema.MigrateAsync(CancellationToken.None);

        Assert.Equal(PostgresSchema.Scripts, first);
        Assert.Contains(first, name => name.EndsWith("0002_quartz_tables", StringComparison.Ordinal));
        Assert.Empty(second);
        Assert.Equal(PostgresSchema.Scripts, await JournalAsync(dataSource));
        var tables = await TablesAsync(dataSource);
        foreach (var table in new[]
                 {
                     "probe_keys", "step_names", "runs", "steps", "rollups", "history_marks", "incidents", "audit_log",
                     "schedule_pauses", "api_keys", "maintenance_windows", "notification_outbox",
                     "qrtz_job_details", "qrtz_triggers", "qrtz_cron_triggers", "qrtz_simple_triggers", "qrtz_fired_triggers",
                     "qrtz_scheduler_state", "qrtz_locks", "qrtz_paused_job_grps",
                 })
        {
            Assert.Contains(table, tables);
        }

        // JSON read back whole is jsonb; a payload is sent as stored, text the outbox does not look into (as on SQLite).
        Assert.Equal("jsonb", await ColumnTypeAsync(dataSource, "runs", "metrics"));
        Assert.Equal("jsonb", await ColumnTypeAsync(dataSource, "incidents", "affected_probes"));
        Assert.Equal("text", await ColumnTypeAsync(dataSource, "notification_outbox", "payload"));
    }

    [Fact]
    public async Task Every_table_and_column_of_the_SQLite_schema_is_there_by_the_same_name()
    {
        // The same rows on both engines: what `store copy` moves and what the stores' row types read.
        var sqlite = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:"))
        {
            await connection.OpenAsync();
            foreach (var script in SqliteDatabase.MigrationScripts)
            {
                await using var migrate = connection.CreateCommand();
                migrate.CommandText = script;
                await migrate.ExecuteNonQueryAsync();
            }

            await using var columns = connection.CreateCommand();
            columns.CommandText = "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table';";
            await using var reader = await columns.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                (sqlite.TryGetValue(reader.GetString(0), out var set) ? set : sqlite[reader.GetString(0)] = new(StringComparer.Ordinal)).Add(reader.GetString(1));
            }
        }

        await using var dataSource = NpgsqlDataSource.Create(await postgres.Server.CreateDatabaseAsync());
        await new PostgresSchema(dataSource, NullLogger<PostgresSchema>.Instance).MigrateAsync(CancellationToken.None);
        var postgresColumns = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using var columns = new NpgsqlCommand("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public';", connection);
            await using var reader = await columns.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                (postgresColumns.TryGetValue(reader.GetString(0), out var set) ? set : postgresColumns[reader.GetString(0)] = new(StringComparer.Ordinal)).Add(reader.GetString(1));
            }
        }

        // What only a cluster needs, so only PostgreSQL has it: which instance ran a run, and whose lease an outbox claim is.
        var clusterOnly = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["runs"] = ["instance_id"],
            ["notification_outbox"] = ["claimed_by", "lease_until"],
        };
        Assert.NotEmpty(sqlite);
        foreach (var (table, columns) in sqlite)
        {
            Assert.True(postgresColumns.TryGetValue(table, out var onPostgres), $"PostgreSQL has no table {table}");
            var expected = new SortedSet<string>(columns.Concat(clusterOnly.GetValueOrDefault(table, [])), StringComparer.Ordinal);
            Assert.Equal(expected, onPostgres);
        }
    }

    [Fact]
    public async Task Two_instances_migrating_at_once_both_succeed_and_the_scripts_run_once()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var first = NpgsqlDataSource.Create(connectionString);
        await using var second = NpgsqlDataSource.Create(connectionString);

        // The test holds the upgrade lock until both migrators wait for it, so that they start together for certain.
        await using var holder = await first.OpenConnectionAsync();
        await ExecuteAsync(holder, $"SELECT pg_advisory_lock({PostgresSchema.UpgradeLockKey});");
        var migrations = new[] { first, second }
            .Select(source => new PostgresSchema(source, NullLogger<PostgresSchema>.Instance).MigrateAsync(CancellationToken.None))
            .ToList();
        await WaitForLockWaitersAsync(holder, 2);
        await ExecuteAsync(holder, $"SELECT pg_advisory_unlock({PostgresSchema.UpgradeLockKey});");

        var applied = await Task.WhenAll(migrations).WaitAsync(Patience);

        Assert.Single(applied, scripts => scripts.SequenceEqual(PostgresSchema.Scripts));
        Assert.Single(applied, scripts => scripts.Count == 0);
        Assert.Equal(PostgresSchema.Scripts, await JournalAsync(first));
    }

    [Fact]
    public async Task A_database_upgraded_by_a_newer_build_is_refused_and_left_as_it_is()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.Server.CreateDatabaseAsync());
        var schema = new PostgresSchema(dataSource, NullLogger<PostgresSchema>.Instance);
        await schema.MigrateAsync(CancellationToken.None);
        const string Future = "Webordinary.Dashboard.Storage.Postgres.Migrations.9999_from_the_future.sql";
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await ExecuteAsync(connection, $"INSERT INTO schemaversions (scriptname, applied) VALUES ('{Future}', now());");
        }

        var refused = await Assert.ThrowsAsync<StoreSchemaException>(() => schema.MigrateAsync(CancellationToken.None));

        Assert.Contains(Future, refused.Message, StringComparison.Ordinal);
        // Both versions named, and the start stops with exit 2 (a configuration error, not a crash).
        Assert.Contains($"this build's at {PostgresSchema.Scripts[^1]}", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(Webordinary.Dashboard.Hosting.ConfigurationErrors.Describe(refused));
        Assert.Equal([.. PostgresSchema.Scripts, Future], await JournalAsync(dataSource));
    }

    [Fact]
    public async Task A_failing_script_leaves_nothing_of_the_upgrade_behind()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        // A Quartz table already there, made by hand without Quartz's columns: the second script fails at its indexes,
        // after the first has run in the same transaction.
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await ExecuteAsync(connection, "CREATE TABLE qrtz_triggers (anything integer);");
        }

        var failed = await Assert.ThrowsAsync<StoreSchemaException>(
            () => new PostgresSchema(dataSource, NullLogger<PostgresSchema>.Instance).MigrateAsync(CancellationToken.None));

        Assert.Contains("0002_quartz_tables", failed.Message, StringComparison.Ordinal);
        var tables = await TablesAsync(dataSource);
        Assert.DoesNotContain("runs", tables);
        Assert.Empty(await JournalAsync(dataSource));
    }

    private static async Task WaitForLockWaitersAsync(NpgsqlConnection connection, int waiters)
    {
        // pg_locks lists a session waiting on an advisory lock with granted = false: the server's own account.
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted;", connection);
            if ((long)(await count.ExecuteScalarAsync())! >= waiters)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        Assert.Fail($"{waiters} migrators never waited together for the upgrade lock within {Patience.TotalSeconds} s.");
    }

    private static async Task<List<string>> JournalAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schemaversions') IS NOT NULL;", connection);
        if (!(bool)(await exists.ExecuteScalarAsync())!)
        {
            return [];
        }

        return await ListAsync(connection, "SELECT scriptname FROM schemaversions ORDER BY schemaversionsid;");
    }

    private static async Task<List<string>> TablesAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await ListAsync(connection, "SELECT tablename FROM pg_tables WHERE schemaname = 'public';");
    }

    private static async Task<string?> ColumnTypeAsync(NpgsqlDataSource dataSource, string table, string column)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT data_type FROM information_schema.columns WHERE table_name = $1 AND column_name = $2;", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = column });
        return (string?)await command.ExecuteScalarAsync();
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
