using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;

namespace Webordinary.Dashboard.Tests.Configuration;

/// <summary>Bad input at start stops the real app with exit code 2 and the key named, never a stack trace.</summary>
public sealed class StartupErrorTests
{
    public enum BadStart
    {
        DataDirectoryIsAFile,
        DatabaseFileIsNotADatabase,
        DatabaseIsFromANewerBuild,
        StoreProviderIsUnknown,
        PostgresConnectionStringIsMalformed,
        AllowRemoteAccessIsNotABoolean,
        KestrelListensBeyondLoopback,
        DependsOnNamesNoProbe,
        IntervalIsNotATimeSpan,
        PortAlreadyInUse,
        PortBeyondRange,
        AppSettingsIsNotJson,
        DatabaseLastPagesCorrupt,
    }

    [Theory]
    [InlineData(BadStart.DataDirectoryIsAFile, "Dashboard:DataDirectory")]
    [InlineData(BadStart.DatabaseFileIsNotADatabase, "Dashboard:DataDirectory")]
    [InlineData(BadStart.DatabaseIsFromANewerBuild, "Dashboard:DataDirectory")]
    [InlineData(BadStart.StoreProviderIsUnknown, "Store:Provider")]
    [InlineData(BadStart.PostgresConnectionStringIsMalformed, "Store:ConnectionString")]
    [InlineData(BadStart.AllowRemoteAccessIsNotABoolean, "Dashboard:AllowRemoteAccess")]
    [InlineData(BadStart.KestrelListensBeyondLoopback, "Kestrel:Endpoints:Public:Url")]
    [InlineData(BadStart.DependsOnNamesNoProbe, "Dashboard:Probes:hermes:DependsOn")]
    [InlineData(BadStart.IntervalIsNotATimeSpan, "Dashboard:Probes:broken:Interval")]
    [InlineData(BadStart.PortAlreadyInUse, "address already in use")]
    [InlineData(BadStart.PortBeyondRange, "http://127.0.0.1:99999")]
    [InlineData(BadStart.AppSettingsIsNotJson, "appsettings.json")]
    [InlineData(BadStart.DatabaseLastPagesCorrupt, "Dashboard:DataDirectory")]
    public async Task The_real_app_exits_with_code_2_naming_the_key(BadStart bad, string key)
    {
        var directory = Directory.CreateTempSubdirectory("start-test-").FullName;
        var start = new ProcessStartInfo("dotnet", [typeof(DashboardHostingExtensions).Assembly.Location, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = directory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Dashboard__DataDirectory"] = Path.Combine(directory, "data");
        string? path = null;
        byte[]? hashBefore = null;
        using var occupied = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        switch (bad)
        {
            case BadStart.DataDirectoryIsAFile:
                path = Path.Combine(directory, "not-a-directory");
                await File.WriteAllTextAsync(path, "a file where the data directory should be");
                start.Environment["Dashboard__DataDirectory"] = path;
                break;
            case BadStart.DatabaseFileIsNotADatabase:
                path = Path.Combine(directory, "data");
                Directory.CreateDirectory(path);
                await File.WriteAllTextAsync(Path.Combine(path, "dashboard.db"), new string('x', 4096));
                break;
            case BadStart.DatabaseIsFromANewerBuild:
                // A rollback-journal file: PRAGMA journal_mode = WAL (or any write) would change its header.
                path = Path.Combine(directory, "data", "dashboard.db");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
                {
                    await connection.OpenAsync();
                    await using var command = connection.CreateCommand();
                    command.CommandText = $"CREATE TABLE from_the_future (id INTEGER PRIMARY KEY); PRAGMA user_version = {SqliteDatabase.SchemaVersion + 1};";
                    await command.ExecuteNonQueryAsync();
                }

                hashBefore = SHA256.HashData(await File.ReadAllBytesAsync(path));
                break;
            case BadStart.StoreProviderIsUnknown:
                start.Environment["Store__Provider"] = "Oracle";
                break;
            case BadStart.PostgresConnectionStringIsMalformed:
                start.Environment["Store__Provider"] = "Postgres";
                start.Environment["Store__ConnectionString"] = "Host=db.example;Port=not-a-port";
                break;
            case BadStart.AllowRemoteAccessIsNotABoolean:
                start.Environment["Dashboard__AllowRemoteAccess"] = "maybe";
                break;
            case BadStart.KestrelListensBeyondLoopback:
                start.Environment["Kestrel__Endpoints__Public__Url"] = "http://0.0.0.0:0";
                break;
            case BadStart.DependsOnNamesNoProbe:
                start.Environment["Dashboard__Probes__hermes__Kind"] = "HermesHealth";
                start.Environment["Dashboard__Probes__hermes__Interval"] = "00:01:00";
                start.Environment["Dashboard__Probes__hermes__DependsOn__0"] = "no-such-probe";
                break;
            case BadStart.IntervalIsNotATimeSpan:
                start.Environment["Dashboard__Probes__broken__Kind"] = "EcsService";
                start.Environment["Dashboard__Probes__broken__Interval"] = "every minute";
                break;
            case BadStart.PortAlreadyInUse:
                occupied.Start();
                path = $"http://127.0.0.1:{((System.Net.IPEndPoint)occupied.LocalEndpoint).Port}";
                start.ArgumentList[^1] = path;
                break;
            case BadStart.PortBeyondRange:
                start.ArgumentList[^1] = "http://127.0.0.1:99999";
                break;
            case BadStart.AppSettingsIsNotJson:
                path = Path.Combine(directory, "appsettings.json");
                await File.WriteAllTextAsync(path, """{ "Dashboard": { "RunNowCooldown": "00:00:10", } oops""");
                break;
            case BadStart.DatabaseLastPagesCorrupt:
                path = await CorruptDatabaseAsync(Path.Combine(directory, "data"));
                break;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }

        var report = await stderr;
        var output = report + await stdout;
        Assert.True(process.ExitCode == 2, $"exit {process.ExitCode}: {output}");
        Assert.Contains(key, output);
        Assert.StartsWith("The dashboard did not start:", report);
        if (bad >= BadStart.PortAlreadyInUse)
        {
            // Not the configuration's validation (a list): one line, naming the problem.
            var line = Assert.Single(report.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.Contains(key, line);
        }

        Assert.False(output.Contains("   at ", StringComparison.Ordinal), $"a stack trace: {output}");
        if (path is not null)
        {
            Assert.Contains(path, output);
        }

        if (hashBefore is not null)
        {
            Assert.Contains($"schema version {SqliteDatabase.SchemaVersion + 1}", output);
            Assert.Contains($"({SqliteDatabase.SchemaVersion})", output);
            Assert.Single(output.Split('\n'), line => line.Contains("schema version", StringComparison.Ordinal));
            Assert.Equal(hashBefore, SHA256.HashData(await File.ReadAllBytesAsync(path!)));
        }
    }

    /// <summary>
    /// A dashboard database with a few thousand audit entries whose last quarter of pages is overwritten: its header and
    /// schema read, and the start's first scan of the audit log meets the damage.
    /// </summary>
    private static async Task<string> CorruptDatabaseAsync(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, "dashboard.db");
        await using (var database = new SqliteDatabase(path, Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteDatabase>.Instance))
        {
            await database.MigrateAsync(CancellationToken.None);
            var audit = new AuditLog(new SqliteAuditStore(database), TimeProvider.System, Dashboard.Storage.Changes.ChangeFeed.InProcess());
            for (var i = 0; i < 3_000; i++)
            {
                await audit.RecordAsync(Actor.Local, AuditAction.RunNow, $"probe-{i}", AuditOutcomes.Done, new string('x', 200),
                    CancellationToken.None);
            }
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;";
            await checkpoint.ExecuteNonQueryAsync();
        }

        var bytes = await File.ReadAllBytesAsync(path);
        var pageSize = (bytes[16] << 8) | bytes[17];
        var pages = bytes.Length / pageSize;
        var garbage = new Random(23);
        for (var page = pages - (pages / 4); page < pages; page++)
        {
            garbage.NextBytes(bytes.AsSpan(page * pageSize, pageSize));
        }

        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }
}
