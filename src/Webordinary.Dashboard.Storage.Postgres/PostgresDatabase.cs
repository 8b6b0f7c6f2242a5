using Microsoft.Extensions.Logging;
using Npgsql;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// The dashboard's PostgreSQL database, as the stores of this provider use it: reads and ordinary writes on the one
/// data source's connections (the server takes concurrent writers), durable writes through the writer with its
/// memory queue (<see cref="PostgresWriter"/>), and the schema (<see cref="PostgresSchema"/>), applied once per
/// process — and, while the server cannot be reached, tried again on every flush until it is, the store unhealthy meanwhile.
/// </summary>
public sealed class PostgresDatabase : IStore, IFallibleWrites, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresSchema _schema;
    private readonly PostgresWriter _writer;
    private readonly ILogger _logger;
    private readonly bool _ownsDataSource;
    private readonly SemaphoreSlim _migrateGate = new(1, 1);
    private volatile bool _migrated;

    /// <summary>Why the schema could not be applied yet (the server could not be reached), guarded by <see cref="_migrateGate"/>.</summary>
    private StoreHealth? _unmigrated;

    public PostgresDatabase(NpgsqlDataSource dataSource, PostgresSchema schema, ILogger<PostgresDatabase> logger)
        : this(dataSource, schema, logger, ownsDataSource: false)
    {
    }

    /// <param name="ownsDataSource">Whether disposing the database disposes the data source too (one made for it alone, outside the container).</param>
    internal PostgresDatabase(NpgsqlDataSource dataSource, PostgresSchema schema, ILogger<PostgresDatabase> logger, bool ownsDataSource)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _schema = schema;
        _logger = logger;
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        // Server and database only: the connection string may hold a password.
        Location = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        _writer = new PostgresWriter(Location, dataSource, logger);
        _writer.HealthChanged += health => HealthChanged?.Invoke(Health);
    }

    public string Location { get; }

    public StoreHealth Health => _unmigrated is { } unmigrated ? unmigrated with { Pending = _writer.Health.Pending } : _writer.Health;

    public event Action<StoreHealth>? HealthChanged;

    /// <summary>
    /// Applies the schema once per process. A server that cannot be reached does not fail it: the store is unhealthy
    /// (<see cref="Health"/> says why) and <see cref="FlushAsync"/> tries again. A database of a newer build does
    /// (<see cref="StoreSchemaException"/>: the start stops naming both).
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (_migrated)
        {
            return;
        }

        await _migrateGate.WaitAsync(cancellationToken);
        try
        {
            if (_migrated)
            {
                return;
            }

            await _schema.MigrateAsync(cancellationToken);
            _migrated = true;
            if (_unmigrated is not null)
            {
                _unmigrated = null;
                _logger.LogInformation("The PostgreSQL schema is applied on {Location}", Location);
                HealthChanged?.Invoke(Health);
            }
        }
        catch (Exception exception) when (PostgresWriter.IsUnavailable(exception) && !cancellationToken.IsCancellationRequested)
        {
            var first = _unmigrated is null;
            _unmigrated = new StoreHealth(false, PostgresWriter.DescribeFailure(exception),
                _unmigrated?.FailingSince ?? DateTimeOffset.UtcNow, 0, 0);
            if (first)
            {
                _logger.LogError("The schema cannot be applied on {Location}: {Error}; results are kept in memory and it is tried again",
                    Location, _unmigrated.Error);
                HealthChanged?.Invoke(Health);
            }
        }
        finally
        {
            _migrateGate.Release();
        }
    }

    /// <summary>The server unreachable, shutting down or out of room: the store's outage, not the statement's fault.</summary>
    public bool IsUnavailable(Exception exception) => PostgresWriter.IsUnavailable(exception);

    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken);
        return _migrated && await _writer.FlushAsync(cancellationToken);
    }

    public Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken).AsTask();

    /// <inheritdoc cref="DurableWriter{TConnection,TTransaction}.WriteDurablyAsync"/>
    public Task WriteDurablyAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> write, CancellationToken cancellationToken) =>
        _writer.WriteDurablyAsync(write, cancellationToken);

    /// <inheritdoc cref="DurableWriter{TConnection,TTransaction}.TransactionNumber"/>
    public long WriterTransaction => _writer.TransactionNumber;

    /// <summary>A write that may fail (its caller reports it), on a connection of its own: the server orders concurrent writers.</summary>
    public async Task<T> WriteAsync<T>(Func<NpgsqlConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await write(connection);
    }

    Task<T> IFallibleWrites.WriteAsync<T>(Func<System.Data.Common.DbConnection, Task<T>> write, CancellationToken cancellationToken) =>
        WriteAsync<T>(connection => write(connection), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
