using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>
/// One in-process writer at a time (SQLite allows one writer; queuing here beats SQLITE_BUSY retries), with group
/// commit, the statement cache of its connection, and the memory queue that keeps durable writes while the file
/// cannot take them. Reads do not come here: they run concurrently on their own connections thanks to WAL.
/// </summary>
internal sealed class SqliteWriter(string databasePath, SqliteConnections connections, ILogger logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _pendingGate = new();
    private readonly Queue<Func<SqliteConnection, SqliteTransaction, Task>> _pending = new();

    /// <summary>Writes waiting for the writer, all taken in the next transaction (guarded by <see cref="_pendingGate"/>).</summary>
    private List<QueuedWrite> _queued = [];
    private StoreHealth _health = StoreHealth.Ok;

    /// <summary>The connection durable writes go through, kept open with their prepared commands (guarded by <see cref="_writeGate"/>).</summary>
    private SqliteConnection? _writer;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    public StoreHealth Health
    {
        get
        {
            lock (_pendingGate)
            {
                return _health with { Pending = _pending.Count };
            }
        }
    }

    public event Action<StoreHealth>? HealthChanged;

    /// <summary>
    /// A write that must not be lost (a run, a step, an incident): when the file cannot take it (disk full, read-only,
    /// locked) it is kept in memory, in order, behind any others waiting, and <see cref="FlushAsync"/> writes them once
    /// the file works again. Never throws for such a failure; <see cref="Health"/> says what is going on.
    /// <para>
    /// Writes are committed together: whoever gets the writer takes every write queued meanwhile into one transaction,
    /// in order (a write's statements are all or nothing with the others of its transaction; it must not begin one of
    /// its own — it gets the transaction). Alone, a write is committed at once; under load — hundreds of probes
    /// storing runs and steps — one commit serves many (the peer benchmark: 500 HTTP probes at 10 s).
    /// </para>
    /// </summary>
    public async Task WriteDurablyAsync(Func<SqliteConnection, SqliteTransaction, Task> write, CancellationToken cancellationToken)
    {
        var queued = new QueuedWrite(write);
        lock (_pendingGate)
        {
            if (_pending.Count > 0)
            {
                Enqueue(write);
                return;
            }

            _queued.Add(queued);
        }

        // Queued: a writer that starts before this one gets the gate takes it along, so the wait is never for nothing.
        await _writeGate.WaitAsync(CancellationToken.None);
        try
        {
            if (!queued.Done)
            {
                List<QueuedWrite> batch;
                lock (_pendingGate)
                {
                    (batch, _queued) = (_queued, []);
                }

                await WriteBatchAsync(batch);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        if (queued.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>One transaction for the batch; a write that fails for another reason than the file's is retried alone, so only it fails.</summary>
    private async Task WriteBatchAsync(List<QueuedWrite> batch)
    {
        lock (_pendingGate)
        {
            // The file failed since these were queued: they wait behind what was kept before them, in order.
            if (_pending.Count > 0)
            {
                foreach (var write in batch)
                {
                    Enqueue(write.Write);
                    write.Done = true;
                }

                return;
            }
        }

        try
        {
            var connection = await WriterAsync();
            try
            {
                await InTransactionAsync(connection, batch.Select(w => w.Write));
                batch.ForEach(write => write.Committed = true);
            }
            catch (Exception exception) when (!IsStorageFailure(exception) && batch.Count > 1)
            {
                foreach (var write in batch)
                {
                    try
                    {
                        await InTransactionAsync(connection, [write.Write]);
                        write.Committed = true;
                    }
                    catch (Exception alone) when (!IsStorageFailure(alone))
                    {
                        write.Error = alone;
                    }
                }
            }
            catch (Exception exception) when (!IsStorageFailure(exception))
            {
                batch[0].Error = exception;
            }
        }
        catch (Exception exception) when (IsStorageFailure(exception))
        {
            DropWriter();
            lock (_pendingGate)
            {
                foreach (var write in batch.Where(w => !w.Committed && w.Error is null))
                {
                    Enqueue(write.Write);
                }
            }

            Failing(exception);
        }
        finally
        {
            foreach (var write in batch)
            {
                write.Done = true;
            }
        }
    }

    private static async Task InTransactionAsync(SqliteConnection connection, IEnumerable<Func<SqliteConnection, SqliteTransaction, Task>> writes)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(CancellationToken.None);
        foreach (var write in writes)
        {
            await write(connection, transaction);
        }

        await transaction.CommitAsync(CancellationToken.None);
    }

    /// <summary>Writes what waits in memory, in order, until it is all stored or the file fails again.</summary>
    /// <returns>True when nothing is waiting any more.</returns>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var connection = await WriterAsync();
            while (true)
            {
                Func<SqliteConnection, SqliteTransaction, Task>? next;
                lock (_pendingGate)
                {
                    if (!_pending.TryPeek(out next))
                    {
                        break;
                    }
                }

                try
                {
                    await InTransactionAsync(connection, [next]);
                }
                catch (Exception exception) when (!IsStorageFailure(exception))
                {
                    // Not the file's fault: it would fail again every time and hold up everything behind it.
                    logger.LogError(exception, "A write kept in memory failed for good and was dropped");
                }

                lock (_pendingGate)
                {
                    _pending.Dequeue();
                }
            }
        }
        catch (Exception exception) when (IsStorageFailure(exception))
        {
            DropWriter();
            Failing(exception);
            return false;
        }
        finally
        {
            _writeGate.Release();
        }

        Recovered();
        return true;
    }

    private sealed class QueuedWrite(Func<SqliteConnection, SqliteTransaction, Task> write)
    {
        public Func<SqliteConnection, SqliteTransaction, Task> Write { get; } = write;

        public volatile bool Done;

        public bool Committed;

        public Exception? Error;
    }

    /// <summary>
    /// For a durable write: the writer's command for <paramref name="sql"/>, which SQLite parses once and then runs
    /// again with new parameters (set them with <see cref="SqliteCommandParameters.Set"/>, every one each time).
    /// The hot writes are the same few statements hundreds of times a minute; parsing them was a fifth of the writer's
    /// CPU. On any other connection, a new command.
    /// </summary>
    public SqliteCommand Prepared(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        if (!ReferenceEquals(connection, _writer) || !_prepared.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            if (ReferenceEquals(connection, _writer))
            {
                _prepared[sql] = command;
            }
        }

        command.Transaction = transaction;
        return command;
    }

    private async Task<SqliteConnection> WriterAsync() => _writer ??= await connections.OpenAsync(CancellationToken.None);

    /// <summary>After a storage failure the connection may be in any state: the next write opens a new one.</summary>
    private void DropWriter()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _prepared.Clear();
        _writer?.Dispose();
        _writer = null;
    }

    public async ValueTask DisposeAsync()
    {
        // A write still going after this long is not coming back; the file is closed regardless.
        var entered = await _writeGate.WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            DropWriter();
        }
        finally
        {
            if (entered)
            {
                _writeGate.Release();
            }
        }
    }

    private void Enqueue(Func<SqliteConnection, SqliteTransaction, Task> write)
    {
        _pending.Enqueue(write);
        if (_pending.Count > SqliteDatabase.MaxPendingWrites)
        {
            _pending.Dequeue();
            _health = _health with { Dropped = _health.Dropped + 1 };
        }
    }

    private void Failing(Exception exception)
    {
        StoreHealth health;
        bool changed;
        lock (_pendingGate)
        {
            changed = _health.Healthy;
            _health = _health with { Healthy = false, Error = Describe(exception), FailingSince = _health.FailingSince ?? DateTimeOffset.UtcNow };
            health = _health with { Pending = _pending.Count };
        }

        if (changed)
        {
            logger.LogError("Results are not being stored in {Path}: {Error}; they are kept in memory until it works again", databasePath, health.Error);
            HealthChanged?.Invoke(health);
        }
    }

    private void Recovered()
    {
        StoreHealth health;
        lock (_pendingGate)
        {
            if (_health.Healthy)
            {
                return;
            }

            _health = StoreHealth.Ok with { Dropped = _health.Dropped };
            health = _health;
        }

        logger.LogInformation("Results are stored in {Path} again; everything kept in memory meanwhile was written", databasePath);
        HealthChanged?.Invoke(health);
    }

    private static string Describe(Exception exception) => exception is SqliteException sqlite
        ? $"{sqlite.Message.TrimEnd('.')} (SQLite error {sqlite.SqliteErrorCode})"
        : $"{exception.GetType().Name}: {exception.Message}";

    /// <summary>The file or its disk cannot take writes now (and may later); a bug in a statement is not one of these.</summary>
    private static bool IsStorageFailure(Exception exception) => exception switch
    {
        // BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6 or 7 or 8 or 10 or 11 or 13 or 14 or 15,
        IOException or UnauthorizedAccessException => true,
        _ => false,
    };

    public async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken);
            return await write(connection);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
