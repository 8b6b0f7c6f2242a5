using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Webordinary.Dashboard.Storage.Copy;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// A PostgreSQL database as <c>store copy</c> fills it: migrated, then one transaction on one connection with the copied
/// tables locked in EXCLUSIVE mode (readers go on, writers wait: a dashboard already on it cannot slip rows in between
/// the emptiness check and the copy), rows added by binary COPY, identity columns moved past the copied keys at the end.
/// </summary>
public sealed class PostgresCopyTarget : IStoreCopyTarget
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresSchema _schema;
    private readonly Dictionary<string, List<(string Name, string Type, bool Identity)>> _columns = new(StringComparer.Ordinal);
    private NpgsqlConnection? _connection;
    private NpgsqlTransaction? _transaction;

    public PostgresCopyTarget(StoreOptions options, ILoggerFactory loggerFactory)
    {
        _dataSource = PostgresDataSource.Create(options, loggerFactory);
        _schema = new PostgresSchema(_dataSource, loggerFactory.CreateLogger<PostgresSchema>());
        var builder = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
        Location = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
    }

    public string Location { get; }

    public async Task MigrateAsync(CancellationToken cancellationToken) => await _schema.MigrateAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> BeginAsync(IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        _connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        _transaction = await _connection.BeginTransactionAsync(cancellationToken);
        await using (var lockTables = new NpgsqlCommand($"LOCK TABLE {string.Join(", ", tables.Select(Quote))} IN EXCLUSIVE MODE;", _connection, _transaction))
        {
            await lockTables.ExecuteNonQueryAsync(cancellationToken);
        }

        var occupied = new List<string>();
        foreach (var table in tables)
        {
            await using var any = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {Quote(table)});", _connection, _transaction);
            if ((bool)(await any.ExecuteScalarAsync(cancellationToken))!)
            {
                occupied.Add(table);
            }
        }

        return occupied;
    }

    public async Task<IReadOnlyList<string>> ListColumnsAsync(string table, CancellationToken cancellationToken) =>
        [.. (await ColumnsAsync(table, cancellationToken)).Select(column => column.Name)];

    public async Task WriteAsync(string table, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var types = (await ColumnsAsync(table, cancellationToken)).ToDictionary(column => column.Name, column => column.Type, StringComparer.Ordinal);
        var columnTypes = columns.Select(column => types[column]).ToArray();
        await using var importer = await Connection.BeginBinaryImportAsync(
            $"COPY {Quote(table)} ({string.Join(", ", columns.Select(Quote))}) FROM STDIN (FORMAT BINARY);", cancellationToken);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(cancellationToken);
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is not { } value)
                {
                    await importer.WriteNullAsync(cancellationToken);
                    continue;
                }

                var (converted, type) = Convert(value, columnTypes[i], table, columns[i]);
                await importer.WriteAsync(converted, type, cancellationToken);
            }
        }

        await importer.CompleteAsync(cancellationToken);
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        foreach (var (table, columns) in _columns)
        {
            foreach (var (name, _, _) in columns.Where(column => column.Identity))
            {
                // The next generated key follows the largest copied one (a table copied empty keeps its sequence as it is).
                await using var move = new NpgsqlCommand(
                    $"SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT MAX({Quote(name)}) AS m FROM {Quote(table)}) AS copied WHERE m IS NOT NULL;",
                    Connection, _transaction);
                move.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Quote(table) });
                move.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
                await move.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await _transaction!.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Not committed: rolled back, so a failed copy leaves the target as it found it.
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        await _dataSource.DisposeAsync();
    }

    private NpgsqlConnection Connection => _connection ?? throw new InvalidOperationException("BeginAsync first.");

    /// <summary>Names come from the schemas themselves, never from input; quoted all the same.</summary>
    private static string Quote(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private async Task<List<(string Name, string Type, bool Identity)>> ColumnsAsync(string table, CancellationToken cancellationToken)
    {
        if (_columns.TryGetValue(table, out var known))
        {
            return known;
        }

        await using var command = new NpgsqlCommand(
            "SELECT column_name, udt_name, is_identity = 'YES' FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position;",
            Connection, _transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        var columns = new List<(string, string, bool)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
            }
        }

        _columns[table] = columns;
        return columns;
    }

    /// <summary>A SQLite value (integer, real, text or blob) as the PostgreSQL column's type takes it.</summary>
    private static (object Value, NpgsqlDbType Type) Convert(object value, string columnType, string table, string column) => columnType switch
    {
        "int8" => (System.Convert.ToInt64(value, CultureInfo.InvariantCulture), NpgsqlDbType.Bigint),
        "int4" => (System.Convert.ToInt32(value, CultureInfo.InvariantCulture), NpgsqlDbType.Integer),
        "int2" => (System.Convert.ToInt16(value, CultureInfo.InvariantCulture), NpgsqlDbType.Smallint),
        "float8" => (System.Convert.ToDouble(value, CultureInfo.InvariantCulture), NpgsqlDbType.Double),
        "float4" => (System.Convert.ToSingle(value, CultureInfo.InvariantCulture), NpgsqlDbType.Real),
        "bool" => (System.Convert.ToBoolean(value, CultureInfo.InvariantCulture), NpgsqlDbType.Boolean),
        "text" or "varchar" => (System.Convert.ToString(value, CultureInfo.InvariantCulture)!, NpgsqlDbType.Text),
        "jsonb" => ((string)value, NpgsqlDbType.Jsonb),
        "json" => ((string)value, NpgsqlDbType.Json),
        "bytea" => ((byte[])value, NpgsqlDbType.Bytea),
        _ => throw new StoreCopyRefusedException($"{table}.{column} is of type {columnType} on PostgreSQL, which store copy does not convert yet. Nothing was written."),
    };
}
