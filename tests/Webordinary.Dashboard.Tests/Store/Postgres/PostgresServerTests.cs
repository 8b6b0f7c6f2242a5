using Npgsql;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>The test server itself: an outage and a recovery on demand, and nothing left behind.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task A_stopped_server_refuses_connections_and_started_again_has_its_data()
    {
        string directory;
        await using (var server = await PostgresServer.StartAsync())
        {
            directory = server.DataDirectory;
            var connectionString = await server.CreateDatabaseAsync() + ";Pooling=false";
            await ExecuteAsync(connectionString, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before the outage');");

            await server.StopAsync();

            Assert.False(server.IsRunning);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(connectionString, "SELECT 1;"));

            await server.StartAgainAsync();

            Assert.True(server.IsRunning);
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT note FROM kept;", connection);
            Assert.Equal("before the outage", await read.ExecuteScalarAsync());
        }

        Assert.False(Directory.Exists(Path.GetDirectoryName(directory)));
    }

    [Fact]
    public async Task A_server_that_cannot_start_says_why_and_leaves_nothing_behind()
    {
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            PostgresServer.StartAsync(new Dictionary<string, string> { ["shared_buffers"] = "not-a-size" }));

        Assert.Contains("shared_buffers", failed.Message, StringComparison.Ordinal);
        var dataDirectory = System.Text.RegularExpressions.Regex.Match(failed.Message, @"postgres \((?<path>[^)]+)\)").Groups["path"].Value;
        Assert.StartsWith(Path.GetTempPath(), dataDirectory, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(dataDirectory)));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
