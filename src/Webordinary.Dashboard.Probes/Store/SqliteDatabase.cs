using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Probes.Store;

/// <summary>
/// The dashboard's SQLite file (WAL): connections, the schema migrations, and one in-process writer at a time
/// (SQLite allows one writer; queuing here beats SQLITE_BUSY retries). Reads run concurrently thanks to WAL.
/// </summary>
public sealed class SqliteDatabase(string databasePath, ILogger<SqliteDatabase> logger) : IAsyncDisposable
{
    /// <summary>Schema versions, applied in order; <c>PRAGMA user_version</c> records the last one applied.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            probe_id TEXT NOT NULL,
            probe_kind TEXT NOT NULL,
            trigger TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NULL,
            duration_ms REAL NULL,
            outcome TEXT NOT NULL,
            message TEXT NULL
        );
        CREATE INDEX ix_runs_probe_started ON runs (probe_id, started_at DESC);
        CREATE INDEX ix_runs_running ON runs (ended_at) WHERE ended_at IS NULL;
        CREATE TABLE steps (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            name TEXT NOT NULL,
            outcome TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            duration_ms REAL NOT NULL,
            detail TEXT NULL,
            failure_kind TEXT NULL,
            failure_message TEXT NULL,
            error_code TEXT NULL,
            request_id TEXT NULL,
            http_status INTEGER NULL,
            PRIMARY KEY (run_id, idx)
        );
        """,
        """
        CREATE TABLE scale_audit (
            id TEXT PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            service TEXT NOT NULL,
            from_count INTEGER NOT NULL,
            to_count INTEGER NOT NULL,
            reason TEXT NOT NULL,
            outcome TEXT NOT NULL,
            message TEXT NULL,
            completed_at INTEGER NULL,
            rollout_ms REAL NULL
        );
        CREATE INDEX ix_scale_audit_at ON scale_audit (at DESC);
        CREATE TABLE schedule_pauses (
            name TEXT PRIMARY KEY,
            paused_at INTEGER NOT NULL
        );
        """,
        """
        ALTER TABLE runs ADD COLUMN metrics TEXT NULL;
        """,
        """
        CREATE TABLE rollups (
            probe_id TEXT NOT NULL,
            resolution TEXT NOT NULL,
            bucket_start INTEGER NOT NULL,
            runs INTEGER NOT NULL,
            passes INTEGER NOT NULL,
            degraded INTEGER NOT NULL,
            fails INTEGER NOT NULL,
            parked INTEGER NOT NULL,
            parked_ms REAL NOT NULL,
            p50_ms REAL NULL,
            p95_ms REAL NULL,
            max_ms REAL NULL,
            step_stats TEXT NULL,
            PRIMARY KEY (probe_id, resolution, bucket_start)
        ) WITHOUT ROWID;
        CREATE TABLE history_marks (
            name TEXT PRIMARY KEY,
            at INTEGER NOT NULL
        );
        CREATE INDEX ix_runs_started ON runs (started_at);
        """,
        """
        CREATE TABLE incidents (
            id TEXT PRIMARY KEY,
            probe_id TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NULL,
            first_run_id TEXT NOT NULL,
            failed_step TEXT NULL,
            reason TEXT NULL
        );
        CREATE INDEX ix_incidents_probe_started ON incidents (probe_id, started_at DESC);
        """,
        """
        ALTER TABLE rollups ADD COLUMN metric_stats TEXT NULL;
        """,
        // Compact raw runs (the history benchmark: a year of 50 probes at 30 s is 2 million raw runs in the 14-day
        // window, 750 bytes each before this, 1.5 GB): probe ids, kinds and step names are stored once and referred
        // to by number, steps hang off the run's integer key in a WITHOUT ROWID table (no second index), and a
        // step's start is an offset from its run's. Queries by time go through (probe_key, started_at).
        """
        CREATE TABLE probe_keys (
            key INTEGER PRIMARY KEY,
            probe_id TEXT NOT NULL,
            probe_kind TEXT NOT NULL,
            UNIQUE (probe_id, probe_kind)
        );
        CREATE TABLE step_names (
            key INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        INSERT INTO probe_keys (probe_id, probe_kind) SELECT DISTINCT probe_id, probe_kind FROM runs ORDER BY probe_id, probe_kind;
        INSERT INTO step_names (name) SELECT DISTINCT name FROM steps ORDER BY name;
        CREATE TABLE runs_v7 (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            probe_key INTEGER NOT NULL REFERENCES probe_keys (key),
            trigger TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NULL,
            duration_ms REAL NULL,
            outcome TEXT NOT NULL,
            message TEXT NULL,
            metrics TEXT NULL
        );
        INSERT INTO runs_v7 (id, probe_key, trigger, started_at, ended_at, duration_ms, outcome, message, metrics)
        SELECT r.id, k.key, r.trigger, r.started_at, r.ended_at, r.duration_ms, r.outcome, r.message, r.metrics
        FROM runs r JOIN probe_keys k ON k.probe_id = r.probe_id AND k.probe_kind = r.probe_kind
        ORDER BY r.started_at, r.id;
        CREATE TABLE steps_v7 (
            run_seq INTEGER NOT NULL REFERENCES runs_v7 (seq) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            name_key INTEGER NOT NULL REFERENCES step_names (key),
            outcome TEXT NOT NULL,
            start_offset_ms INTEGER NOT NULL,
            duration_ms REAL NOT NULL,
            detail TEXT NULL,
            failure_kind TEXT NULL,
            failure_message TEXT NULL,
            error_code TEXT NULL,
            request_id TEXT NULL,
            http_status INTEGER NULL,
            PRIMARY KEY (run_seq, idx)
        ) WITHOUT ROWID;
        INSERT INTO steps_v7
        SELECT r.seq, s.idx, n.key, s.outcome, s.started_at - r.started_at, s.duration_ms, s.detail,
               s.failure_kind, s.failure_message, s.error_code, s.request_id, s.http_status
        FROM steps s JOIN runs_v7 r ON r.id = s.run_id JOIN step_names n ON n.name = s.name
        ORDER BY r.seq, s.idx;
        DROP TABLE steps;
        DROP TABLE runs;
        ALTER TABLE runs_v7 RENAME TO runs;
        ALTER TABLE steps_v7 RENAME TO steps;
        CREATE INDEX ix_runs_probe_started ON runs (probe_key, started_at);
        CREATE INDEX ix_runs_running ON runs (ended_at) WHERE ended_at IS NULL;
        """,
        // One audit log of every action (the scale audit's entries become its Scale rows), and the API keys made in the UI
        // or named in configuration (hashes only).
        """
        CREATE TABLE audit_log (
            id TEXT PRIMARY KEY,
            at INTEGER NOT NULL,
            actor_id TEXT NOT NULL,
            actor_name TEXT NOT NULL,
            actor_via TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            outcome TEXT NOT NULL,
            message TEXT NULL,
            from_count INTEGER NULL,
            to_count INTEGER NULL,
            reason TEXT NULL,
            completed_at INTEGER NULL,
            rollout_ms REAL NULL
        );
        CREATE INDEX ix_audit_log_at ON audit_log (at DESC);
        INSERT INTO audit_log (id, at, actor_id, actor_name, actor_via, action, target, outcome, message, from_count, to_count, reason, completed_at, rollout_ms)
        SELECT id, at, actor,
               CASE WHEN actor LIKE 'schedule:%' THEN substr(actor, 10) WHEN actor LIKE 'probe:%' THEN substr(actor, 7) ELSE actor END,
               CASE WHEN actor LIKE 'schedule:%' THEN 'schedule' WHEN actor LIKE 'probe:%' THEN 'probe' ELSE 'local' END,
               'Scale', service, outcome, message, from_count, to_count, reason, completed_at, rollout_ms
        FROM scale_audit;
        DROP TABLE scale_audit;
        CREATE TABLE api_keys (
            name TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            revoked_at INTEGER NULL,
            revoked_by TEXT NULL,
            last_used_at INTEGER NULL
        );
        """,
        // A signal the team can trust: runs record the maintenance window they fell in; rollups count planned work
        // (Maintenance runs and runs in a window) and interrupted runs apart, so that neither costs uptime; runs the
        // dashboard's own stop or crash cut short become Interrupted instead of Fail, and the rollups that counted them
        // as failures are corrected from the raw runs still kept; incidents carry their root cause's affected probes,
        // why they ended and whether they were merged into another's; ad hoc maintenance windows are stored.
        """
        ALTER TABLE runs ADD COLUMN maintenance_window TEXT NULL;
        ALTER TABLE rollups ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE rollups ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
        UPDATE runs SET outcome = 'Interrupted'
        WHERE outcome = 'Fail' AND (message LIKE 'Interrupted:%' OR message LIKE 'Cancelled: the dashboard stopped%');
        UPDATE rollups SET interrupted = (
            SELECT COUNT(*) FROM runs r JOIN probe_keys k ON k.key = r.probe_key
            WHERE k.probe_id = rollups.probe_id AND r.outcome = 'Interrupted' AND r.started_at >= rollups.bucket_start
              AND r.started_at < rollups.bucket_start + (CASE rollups.resolution WHEN 'Hour' THEN 3600000 ELSE 86400000 END));
        UPDATE rollups SET fails = MAX(0, fails - interrupted) WHERE interrupted > 0;
        ALTER TABLE incidents ADD COLUMN affected_probes TEXT NULL;
        ALTER TABLE incidents ADD COLUMN end_reason TEXT NULL;
        ALTER TABLE incidents ADD COLUMN merged_into TEXT NULL;
        CREATE TABLE maintenance_windows (
            id TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            starts_at INTEGER NOT NULL,
            ends_at INTEGER NOT NULL,
            reason TEXT NOT NULL,
            probes TEXT NULL,
            components TEXT NULL,
            ended_at INTEGER NULL,
            ended_by TEXT NULL
        );
        """,
        // Notifications: every message is first a row of the outbox, written in the transaction of the incident change
        // that causes it; its key (incident, event, channel) is unique, so nothing is queued twice, and the row keeps
        // how its delivery went (the delivery log).
        """
        CREATE TABLE notification_outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            event TEXT NOT NULL,
            incident_id TEXT NULL,
            probe_id TEXT NULL,
            created_at INTEGER NOT NULL,
            due_at INTEGER NOT NULL,
            hold_until INTEGER NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_attempt_at INTEGER NULL,
            last_status INTEGER NULL,
            last_error TEXT NULL,
            delivered_at INTEGER NULL,
            payload TEXT NOT NULL
        );
        CREATE INDEX ix_notification_outbox_pending ON notification_outbox (channel, id) WHERE state = 'Pending';
        CREATE INDEX ix_notification_outbox_incident ON notification_outbox (incident_id, channel, event);
        CREATE INDEX ix_notification_outbox_created ON notification_outbox (created_at DESC);
        """,
    ];

    /// <summary>The migration scripts in order (tests build older schemas from them).</summary>
    internal static IReadOnlyList<string> MigrationScripts => Migrations;

    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>
    /// How many writes are kept in memory while the file cannot take them (about an hour of a dozen probes' runs and
    /// steps); beyond it the oldest are dropped, and <see cref="StoreHealth.Dropped"/> says how many.
    /// </summary>
    public const int MaxPendingWrites = 20_000;

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _migrateGate = new(1, 1);
    private readonly Lock _pendingGate = new();
    private readonly Queue<Func<SqliteConnection, SqliteTransaction, Task>> _pending = new();

    /// <summary>Writes waiting for the writer, all taken in the next transaction (guarded by <see cref="_pendingGate"/>).</summary>
    private List<QueuedWrite> _queued = [];
    private StoreHealth _health = StoreHealth.Ok;
    private bool _migrated;

    /// <summary>The connection durable writes go through, kept open with their prepared commands (guarded by <see cref="_writeGate"/>).</summary>
    private SqliteConnection? _writer;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    public string DatabasePath => databasePath;

    /// <summary>Whether writes are being stored, and if not since when, why, and how many wait in memory.</summary>
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

    /// <summary>Told when <see cref="Health"/> turns from healthy to failing or back.</summary>
    public event Action<StoreHealth>? HealthChanged;

    /// <summary>The schema version this build creates.</summary>
    public static int SchemaVersion => Migrations.Length;

    /// <summary>Creates or migrates the schema (once per process; later calls return at once).</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _migrateGate.WaitAsync(cancellationToken);
        try
        {
            if (_migrated)
            {
                return;
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
            SqliteConnection connection;
            int version;
            try
            {
                Directory.CreateDirectory(directory);
                // Read before anything writes: a file from a newer build is refused exactly as it was found.
                var found = await ReadSchemaVersionAsync(cancellationToken);
                if (found > Migrations.Length)
                {
                    throw new DataDirectoryException(directory, databasePath, new InvalidOperationException(
                        $"The file has schema version {found}, newer than this dashboard knows ({Migrations.Length}): use a newer build or another directory."));
                }

                connection = await OpenAsync(cancellationToken);
                await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
                version = (int)await connection.ExecuteScalarAsync<long>("PRAGMA user_version;");
            }
            catch (Exception exception) when (exception is SqliteException or IOException or UnauthorizedAccessException)
            {
                throw new DataDirectoryException(directory, databasePath, exception);
            }

            await using var _ = connection;

            for (var next = version; next < Migrations.Length; next++)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(Migrations[next], transaction: transaction);
                await connection.ExecuteAsync($"PRAGMA user_version = {next + 1};", transaction: transaction);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Results database migrated to schema version {Version}", next + 1);
            }

            _migrated = true;
        }
        finally
        {
            _migrateGate.Release();
        }
    }

    /// <summary>
    /// The file's schema version read through a read-only connection (which neither creates, checkpoints nor
    /// converts the file), or 0 when there is no file yet.
    /// </summary>
    private async Task<int> ReadSchemaVersionAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(databasePath))
        {
            return 0;
        }

        var readOnly = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(readOnly);
        await connection.OpenAsync(cancellationToken);
        return (int)await connection.ExecuteScalarAsync<long>("PRAGMA user_version;");
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
        return connection;
    }

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

    private async Task<SqliteConnection> WriterAsync() => _writer ??= await OpenAsync(CancellationToken.None);

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
            await using var connection = await OpenAsync(cancellationToken);
            return await write(connection);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}

/// <summary>The results store's own health: the dashboard is only as good as what it can record.</summary>
/// <param name="FailingSince">When writes started failing (null while healthy).</param>
/// <param name="Pending">Writes kept in memory, waiting for the file to work again.</param>
/// <param name="Dropped">Writes given up because too many were waiting.</param>
public sealed record StoreHealth(bool Healthy, string? Error, DateTimeOffset? FailingSince, int Pending, int Dropped)
{
    public static readonly StoreHealth Ok = new(true, null, null, 0, 0);
}

/// <summary>The data directory or the database file in it cannot be used: a configuration error (exit 2).</summary>
public sealed class DataDirectoryException(string directory, string databasePath, Exception inner) : Exception(
    $"Dashboard:DataDirectory '{directory}' cannot hold the results database {databasePath}: {inner.Message} " +
    "Point Dashboard:DataDirectory at a writable directory (it is created if missing), or move the file aside if it is not a dashboard database.", inner)
{
    public string Directory { get; } = directory;
}

/// <summary>Parameters of a reused (prepared) command.</summary>
public static class SqliteCommandParameters
{
    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> (null as SQL NULL), adding it the first time.</summary>
    public static void Set(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        else
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
    }
}
