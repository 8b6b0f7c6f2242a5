using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// Hears the other instances' changes: LISTENs on <see cref="PostgresChangeRelay.Channel"/> on a connection of its own,
/// and on each notification (and every <see cref="PollInterval"/> anyway, which also finds a dead connection) reads the
/// rows after the last position it has seen and hands those of other instances to the <see cref="ChangeFeed"/>. A
/// dropped connection loses nothing: the next one reads on from the same position. Rows older than
/// <see cref="Retention"/> are pruned; changes pruned before this instance read them (it was cut off that long) are
/// announced as <see cref="ChangesMissed"/>, so the caches reload from the store.
/// </summary>
public sealed class PostgresChangeListener(
    NpgsqlDataSource dataSource, IStore store, ChangeFeed feed, TimeProvider time, ILogger<PostgresChangeListener> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private const int BatchSize = 500;

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The last position read (-1 until the first connection).</summary>
    private long _position = -1;

    private DateTimeOffset _prunedAt = DateTimeOffset.MinValue;

    /// <summary>Completes once the first LISTEN is in place (and the first read and prune are done): changes committed from then on are heard.</summary>
    public Task Listening => _listening.Task;

    /// <summary>The server process of the listening connection (0 while there is none).</summary>
    public int ProcessId { get; private set; }

    public long Position => Interlocked.Read(ref _position);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The schema (the changes table) is applied by the store's migration, which may wait for the server.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.MigrateAsync(stoppingToken);
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                ProcessId = 0;
                logger.LogWarning("The change feed lost its PostgreSQL connection ({Error}); reconnecting to read on from position {Position}",
                    exception.Message, Position);
                try
                {
                    await Task.Delay(RetryDelay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        await connection.ExecuteAsync($"LISTEN {PostgresChangeRelay.Channel};");
        if (Position < 0)
        {
            // A starting instance has loaded its state from the store: it hears what changes from now on.
            Interlocked.Exchange(ref _position, await connection.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(position), 0) FROM changes;"));
        }
        else
        {
            await CheckNothingPrunedUnreadAsync(connection);
        }

        ProcessId = connection.ProcessID;
        while (true)
        {
            await ReadAsync(connection, stoppingToken);
            await PruneIfDueAsync(connection, stoppingToken);
            _listening.TrySetResult();
            // Notifications are buffered while a command runs and raised here; either way the rows are read next.
            await connection.WaitAsync(PollInterval, stoppingToken);
        }
    }

    private async Task ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            var rows = (await connection.QueryAsync<ChangeRow>(new CommandDefinition(
                "SELECT position, origin, kind, body::text AS body FROM changes WHERE position > @after ORDER BY position LIMIT @limit;",
                new { after = Position, limit = BatchSize }, cancellationToken: cancellationToken))).ToList();
            foreach (var row in rows)
            {
                if (row.Origin != feed.Origin)
                {
                    feed.Receive(row.Kind, row.Body);
                }

                Interlocked.Exchange(ref _position, row.Position);
            }

            if (rows.Count < BatchSize)
            {
                return;
            }
        }
    }

    /// <summary>After a reconnect: rows after the last position read that were pruned meanwhile are changes missed.</summary>
    private async Task CheckNothingPrunedUnreadAsync(NpgsqlConnection connection)
    {
        var oldest = await connection.ExecuteScalarAsync<long?>("SELECT MIN(position) FROM changes;");
        if (oldest is { } first && first > Position + 1)
        {
            logger.LogError("Changes {From}–{To} were pruned before this instance read them (it was cut off longer than {Retention}); its caches reload from the store",
                Position + 1, first - 1, Retention);
            feed.Publish(new ChangesMissed(Position + 1, first - 1));
        }
    }

    private async Task PruneIfDueAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _prunedAt < PruneInterval)
        {
            return;
        }

        _prunedAt = now;
        // Every instance prunes; a delete that finds the rows gone already does nothing.
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM changes WHERE created_at < @cutoff;",
            new { cutoff = (now - Retention).ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
    }

    private sealed record ChangeRow(long Position, string Origin, string Kind, string Body);
}
