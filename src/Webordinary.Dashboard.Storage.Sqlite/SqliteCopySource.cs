using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Webordinary.Dashboard.Storage.Copy;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>
/// A SQLite store as <c>store copy</c> reads it: the dashboard's instance lock held for the whole copy (a dashboard on
/// the file refuses the copy, one started meanwhile is refused), and every table read on one read-only connection in
/// one read transaction — one snapshot, even with <c>probe run --store</c> adding runs (it takes no instance lock).
/// </summary>
public sealed class SqliteCopySource : IStoreCopySource
{
    private readonly SqliteInstanceLock _lock;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _snapshot;

    private SqliteCopySource(string databasePath, SqliteInstanceLock instanceLock, SqliteConnection connection, SqliteTransaction snapshot)
    {
        (Location, _lock, _connection, _snapshot) = (databasePath, instanceLock, connection, snapshot);
    }

    public string Location { get; }

    /// <exception cref="StoreConfigurationException">No store at the path, a dashboard holds it, or its schema is not this build's.</exception>
    public static async Task<SqliteCopySource> OpenAsync(string databasePath, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
        if (!File.Exists(databasePath))
        {
            throw new StoreConfigurationException($"Dashboard:DataDirectory '{directory}' holds no SQLite store ({databasePath} does not exist): nothing to copy.");
        }

        var instanceLock = new SqliteInstanceLock(databasePath);
        await instanceLock.StartingAsync(cancellationToken);
        SqliteConnection? connection = null;
        try
        {
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            await connection.OpenAsync(cancellationToken);
            // Deferred: the snapshot is taken at the first read and kept until the copy ends.
            var snapshot = connection.BeginTransaction(deferred: true);
            var source = new SqliteCopySource(databasePath, instanceLock, connection, snapshot);
            var version = (long)(await source.ScalarAsync("PRAGMA user_version;", cancellationToken))!;
            if (version != SqliteDatabase.SchemaVersion)
            {
                await source.DisposeAsync();
                throw new StoreConfigurationException(version < SqliteDatabase.SchemaVersion
                    ? $"Dashboard:DataDirectory: {databasePath} has schema version {version}, older than this build's ({SqliteDatabase.SchemaVersion}): start this build's dashboard on it once (it upgrades the file), stop it, then copy."
                    : $"Dashboard:DataDirectory: {databasePath} has schema version {version}, newer than this build's ({SqliteDatabase.SchemaVersion}): copy it with the build that wrote it.");
            }

            return source;
        }
        catch (SqliteException exception)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            instanceLock.Dispose();
            throw new DataDirectoryException(directory, databasePath, exception);
        }
    }

    public async Task<IReadOnlyList<string>> ListTablesAsync(CancellationToken cancellationToken) =>
        await ListAsync("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;", null, cancellationToken);

    public async Task<IReadOnlyList<string>> ListColumnsAsync(string table, CancellationToken cancellationToken) =>
        await ListAsync("SELECT name FROM pragma_table_info($table) ORDER BY cid;", table, cancellationToken);

    public async Task<long> CountAsync(string table, CancellationToken cancellationToken) =>
        (long)(await ScalarAsync($"SELECT COUNT(*) FROM {Quote(table)};", cancellationToken))!;

    public async IAsyncEnumerable<object?[]> ReadAsync(string table, IReadOnlyList<string> columns, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT {string.Join(", ", columns.Select(Quote))} FROM {Quote(table)};");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new object?[columns.Count];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            yield return row;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _snapshot.DisposeAsync();
        await _connection.DisposeAsync();
        _lock.Dispose();
    }

    /// <summary>Names come from the schema itself (sqlite_master, table_info), never from input; quoted all the same.</summary>
    private static string Quote(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _snapshot;
        command.CommandText = sql;
        return command;
    }

    private async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(sql);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private async Task<List<string>> ListAsync(string sql, string? table, CancellationToken cancellationToken)
    {
        await using var command = Command(sql);
        if (table is not null)
        {
            command.Parameters.AddWithValue("$table", table);
        }

        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
