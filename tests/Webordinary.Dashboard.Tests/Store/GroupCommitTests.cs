using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>
/// Durable writes that arrive while another is being written are committed together, each still all or nothing:
/// one that fails fails alone, and the others of its transaction are stored.
/// </summary>
public sealed class GroupCommitTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("group-commit-").FullName;
    private SqliteDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = new SqliteDatabase(Path.Combine(_directory, "dashboard.db"), NullLogger<SqliteDatabase>.Instance);
        await _database.MigrateAsync(CancellationToken.None);
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("CREATE TABLE scratch (n INTEGER PRIMARY KEY, note TEXT NOT NULL);");
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Writes_queued_behind_a_slow_one_share_one_transaction_and_a_failing_one_fails_alone()
    {
        var firstIsWriting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transactions = new System.Collections.Concurrent.ConcurrentBag<SqliteTransaction>();

        var first = _database.WriteDurablyAsync(async (connection, transaction) =>
        {
            transactions.Add(transaction);
            await connection.ExecuteAsync("INSERT INTO scratch VALUES (0, 'first');", transaction: transaction);
            firstIsWriting.TrySetResult();
            await releaseFirst.Task;
        }, CancellationToken.None);
        await firstIsWriting.Task;

        // While the first holds the writer, 40 more arrive; number 20 inserts its row, then breaks a constraint.
        var queued = Enumerable.Range(1, 40).Select(n => _database.WriteDurablyAsync(async (connection, transaction) =>
        {
            transactions.Add(transaction);
            await connection.ExecuteAsync("INSERT INTO scratch VALUES (@n, 'queued');", new { n = n * 100 }, transaction);
            if (n == 20)
            {
                await connection.ExecuteAsync("INSERT INTO scratch VALUES (0, 'duplicate');", transaction: transaction);
            }
        }, CancellationToken.None)).ToList();
        releaseFirst.SetResult();
        await first;
        var outcomes = await Task.WhenAll(queued.Select(async write =>
        {
            try
            {
                await write;
                return null;
            }
            catch (SqliteException exception)
            {
                return exception;
            }
        }));

        var failed = Assert.Single(outcomes.Select((error, index) => (error, n: index + 1)), o => o.error is not null);
        Assert.Equal(20, failed.n);
        Assert.Equal(19, failed.error!.SqliteErrorCode); // SQLITE_CONSTRAINT
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        var stored = (await connection.QueryAsync<long>("SELECT n FROM scratch ORDER BY n;")).ToList();
        Assert.Equal([0, .. Enumerable.Range(1, 40).Where(n => n != 20).Select(n => (long)n * 100)], stored);

        // The first had its own transaction; the 40 shared one, which stopped at number 20, then each went alone.
        Assert.Equal(1 + 1 + 40, transactions.Distinct().Count());
        Assert.Equal(1 + 20 + 40, transactions.Count);
    }

    [Fact]
    public async Task A_write_alone_is_committed_before_its_call_returns()
    {
        await _database.WriteDurablyAsync((connection, transaction) =>
            connection.ExecuteAsync("INSERT INTO scratch VALUES (7, 'alone');", transaction: transaction), CancellationToken.None);

        await using var other = new SqliteConnection($"Data Source={Path.Combine(_directory, "dashboard.db")};Pooling=False");
        await other.OpenAsync();
        Assert.Equal("alone", await other.ExecuteScalarAsync<string>("SELECT note FROM scratch WHERE n = 7;"));
    }
}
