using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>
/// The dashboard's SQLite file (WAL), as the stores of this provider use it: reads on connections of their own
/// (<see cref="SqliteConnections"/>), the schema (<see cref="SqliteMigrations"/>), and every write through the one
/// writer with its memory queue (<see cref="SqliteWriter"/>).
/// </summary>
public sealed class SqliteDatabase : IStore, IFallibleWrites, IAsyncDisposable
{
    /// <inheritdoc cref="DurableWriter{TConnection,TTransaction}.MaxPendingWrites"/>
    public const int MaxPendingWrites = DurableWriter<SqliteConnection, SqliteTransaction>.MaxPendingWrites;

    /// <summary>The file's name in <c>Dashboard:DataDirectory</c>.</summary>
    public const string FileName = "dashboard.db";

    private readonly SqliteConnections _connections;
    private readonly SqliteMigrations _migrations;
    private readonly SqliteWriter _writer;

    public SqliteDatabase(string databasePath, ILogger<SqliteDatabase> logger)
    {
        DatabasePath = databasePath;
        _connections = new SqliteConnections(databasePath);
        _migrations = new SqliteMigrations(databasePath, _connections, logger);
        _writer = new SqliteWriter(databasePath, _connections, logger);
    }

    public string DatabasePath { get; }

    public string Location => DatabasePath;

    /// <summary>BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN: the file or its disk, not the statement.</summary>
    public bool IsUnavailable(Exception exception) => exception is SqliteException { SqliteErrorCode: 5 or 6 or 7 or 8 or 10 or 11 or 13 or 14 };

    /// <summary>SQLITE_CORRUPT (11) or SQLITE_NOTADB (26): the header and schema read, but pages behind them do not.</summary>
    public string? DescribeDamage(Exception exception) => exception is SqliteException { SqliteErrorCode: 11 or 26 } damaged
        ? $"Dashboard:DataDirectory: the results database {DatabasePath} is damaged ({damaged.Message.TrimEnd('.')}). " +
          "Restore it from a backup, or move it aside to start with an empty one."
        : null;

    /// <summary>The migration scripts in order (tests build older schemas from them).</summary>
    internal static IReadOnlyList<string> MigrationScripts => SqliteMigrations.Scripts;

    /// <summary>The schema version this build creates.</summary>
    public static int SchemaVersion => SqliteMigrations.SchemaVersion;

    public StoreHealth Health => _writer.Health;

    public event Action<StoreHealth>? HealthChanged
    {
        add => _writer.HealthChanged += value;
        remove => _writer.HealthChanged -= value;
    }

    public Task MigrateAsync(CancellationToken cancellationToken) => _migrations.MigrateAsync(cancellationToken);

    /// <summary>A connection for reads (or a write outside the writer's: see <see cref="WriteAsync"/>).</summary>
    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => _connections.OpenAsync(cancellationToken);

    /// <inheritdoc cref="DurableWriter{TConnection,TTransaction}.WriteDurablyAsync"/>
    public Task WriteDurablyAsync(Func<SqliteConnection, SqliteTransaction, Task> write, CancellationToken cancellationToken) =>
        _writer.WriteDurablyAsync(write, cancellationToken);

    /// <inheritdoc cref="SqliteWriter.Prepared"/>
    public SqliteCommand Prepared(SqliteConnection connection, SqliteTransaction transaction, string sql) => _writer.Prepared(connection, transaction, sql);

    /// <summary>A write that may fail (its caller reports it): on a connection of its own, one writer at a time.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> write, CancellationToken cancellationToken) => _writer.WriteAsync(write, cancellationToken);

    public Task<bool> FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    Task<T> IFallibleWrites.WriteAsync<T>(Func<System.Data.Common.DbConnection, Task<T>> write, CancellationToken cancellationToken) =>
        WriteAsync<T>(connection => write(connection), cancellationToken);

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
