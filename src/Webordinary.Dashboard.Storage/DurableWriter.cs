using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage;

/// <summary>
/// The one writer of a provider, whatever its engine: durable writes committed together (group commit) on one
/// connection, one transaction at a time, and kept in memory, in order, while the engine cannot take them, so that a
/// full disk or a database restart never fails a run and loses nothing. A provider says how to open its connection and
/// which failures are the engine's (<see cref="IsStorageFailure"/>: wait and retry) rather than a statement's (fail
/// the one write). Per process by nature: it holds the writes this process made and has not stored yet.
/// </summary>
public abstract class DurableWriter<TConnection, TTransaction>(string location, ILogger logger) : IAsyncDisposable
    where TConnection : DbConnection
    where TTransaction : DbTransaction
{
    /// <summary>
    /// How many writes are kept in memory while the store cannot take them (about an hour of a dozen probes' runs and
    /// steps); beyond it the oldest are dropped, and <see cref="StoreHealth.Dropped"/> says how many.
    /// </summary>
    public const int MaxPendingWrites = 20_000;

    /// <summary>A new connection to the store (the writer's own, or one for <see cref="WriteAsync"/>).</summary>
    protected abstract Task<TConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The engine cannot take writes now (and may later); a bug in a statement or a broken constraint is not one of these.</summary>
    protected abstract bool IsStorageFailure(Exception exception);

    /// <summary>The failure as <see cref="StoreHealth.Error"/> says it.</summary>
    protected abstract string Describe(Exception exception);

    /// <summary>
    /// Which transaction the durable writes are in now, a new number for each (read inside a durable write: what a write
    /// made in an earlier transaction that rolled back is not there).
    /// </summary>
    public long TransactionNumber { get; private set; }

    /// <summary>The writer's connection, while it is open (only under the writer's gate: inside a durable write).</summary>
    protected TConnection? Writer => _writer;

    /// <summary>The writer's connection is given up after a failure, before it is disposed (what was made for it goes too).</summary>
    protected virtual void WriterDropped(TConnection connection)
    {
    }

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _pendingGate = new();
    private readonly Queue<Func<TConnection, TTransaction, Task>> _pending = new();

    /// <summary>Writes waiting for the writer, all taken in the next transaction (guarded by <see cref="_pendingGate"/>).</summary>
    private List<QueuedWrite> _queued = [];
    private StoreHealth _health = StoreHealth.Ok;

    /// <summary>The connection durable writes go through, kept open with their prepared commands (guarded by <see cref="_writeGate"/>).</summary>
    private TConnection? _writer;
    
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
    /// A write that must not be lost (a run, a step, an incident): when the store cannot take it (a full disk, a
    /// locked file, a server restarting) it is kept in memory, in order, behind any others waiting, and <see cref="FlushAsync"/> writes them once
    /// the store works again. Never throws for such a failure; <see cref="Health"/> says what is going on.
    /// <para>
    /// Writes are committed together: whoever gets the writer takes every write queued meanwhile into one transaction,
    /// in order (a write's statements are all or nothing with the others of its transaction; it must not begin one of
    /// its own — it gets the transaction). Alone, a write is committed at once; under load — hundreds of probes
    /// storing runs and steps — one commit serves many (the peer benchmark: 500 HTTP probes at 10 s).
    /// </para>
    /// </summary>
    public async Task WriteDurablyAsync(Func<TConnection, TTransaction, Task> write, CancellationToken cancellationToken)
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

    private async Task InTransactionAsync(TConnection connection, IEnumerable<Func<TConnection, TTransaction, Task>> writes)
    {
        await using var transaction = (TTransaction)await connection.BeginTransactionAsync(CancellationToken.None);
        TransactionNumber++;
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
                Func<TConnection, TTransaction, Task>? next;
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

    private sealed class QueuedWrite(Func<TConnection, TTransaction, Task> write)
    {
        public Func<TConnection, TTransaction, Task> Write { get; } = write;

        public volatile bool Done;

        public bool Committed;

        public Exception? Error;
    }

    private async Task<TConnection> WriterAsync() => _writer ??= await OpenAsync(CancellationToken.None);

    /// <summary>After a storage failure the connection may be in any state: the next write opens a new one.</summary>
    private void DropWriter()
    {
        if (_writer is { } writer)
        {
            _writer = null;
            WriterDropped(writer);
            writer.Dispose();
        }
    }

    public virtual async ValueTask DisposeAsync()
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

    private void Enqueue(Func<TConnection, TTransaction, Task> write)
    {
        _pending.Enqueue(write);
        if (_pending.Count > MaxPendingWrites)
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
            logger.LogError("Results are not being stored in {Path}: {Error}; they are kept in memory until it works again", location, health.Error);
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

        logger.LogInformation("Results are stored in {Path} again; everything kept in memory meanwhile was written", location);
        HealthChanged?.Invoke(health);
    }

    public async Task<T> WriteAsync<T>(Func<TConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await write(connection);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
