using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>
/// SQLite's writer: one in-process writer at a time (SQLite allows one writer; queuing here beats SQLITE_BUSY
/// retries), with group commit and the memory queue of <see cref="DurableWriter{TConnection,TTransaction}"/>, and the
/// statement cache of its connection. Reads do not come here: they run concurrently on their own connections thanks to WAL.
/// </summary>
internal sealed class SqliteWriter(string databasePath, SqliteConnections connections, ILogger logger)
    : DurableWriter<SqliteConnection, SqliteTransaction>(databasePath, logger)
{
    /// <summary>The writer connection's prepared commands (only touched inside a durable write, under the writer's gate).</summary>
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    /// <summary>
    /// For a durable write: the writer's command for <paramref name="sql"/>, which SQLite parses once and then runs
    /// again with new parameters (set them with <see cref="SqliteCommandParameters.Set"/>, every one each time).
    /// The hot writes are the same few statements hundreds of times a minute; parsing them was a fifth of the writer's
    /// CPU. On any other connection, a new command.
    /// </summary>
    public SqliteCommand Prepared(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var isWriter = ReferenceEquals(connection, Writer);
        if (!isWriter || !_prepared.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            if (isWriter)
            {
                _prepared[sql] = command;
            }
        }

        command.Transaction = transaction;
        return command;
    }

    protected override Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => connections.OpenAsync(cancellationToken);

    protected override void WriterDropped(SqliteConnection connection)
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _prepared.Clear();
    }

    protected override string Describe(Exception exception) => exception is SqliteException sqlite
        ? $"{sqlite.Message.TrimEnd('.')} (SQLite error {sqlite.SqliteErrorCode})"
        : $"{exception.GetType().Name}: {exception.Message}";

    /// <summary>The file or its disk cannot take writes now (and may later); a bug in a statement is not one of these.</summary>
    protected override bool IsStorageFailure(Exception exception) => exception switch
    {
        // BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6 or 7 or 8 or 10 or 11 or 13 or 14 or 15,
        IOException or UnauthorizedAccessException => true,
        _ => false,
    };
}
