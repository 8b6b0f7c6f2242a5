using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// PostgreSQL's durable writer: the writes of this process committed together on one connection of the data source,
/// and kept in memory, in order, while the server cannot be reached (<see cref="DurableWriter{TConnection,TTransaction}"/>).
/// </summary>
internal sealed class PostgresWriter(string location, NpgsqlDataSource dataSource, ILogger logger)
    : DurableWriter<NpgsqlConnection, NpgsqlTransaction>(location, logger)
{
    protected override async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => await dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>The server went away: the pool's idle connections went with it, so none is handed out broken once it is back.</summary>
    protected override void WriterDropped(NpgsqlConnection connection) => dataSource.Clear();

    protected override bool IsStorageFailure(Exception exception) => IsUnavailable(exception);

    protected override string Describe(Exception exception) => DescribeFailure(exception);

    /// <summary>
    /// The server cannot take writes now and may later: it cannot be reached, it is starting or shutting down, it ran
    /// out of a resource, or the schema is not there yet (its migrations wait for the server too). A statement the
    /// server refuses (a broken constraint, bad SQL) is not one of these: retrying it would fail the same way.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        StoreSchemaException { InnerException: { } inner } => IsUnavailable(inner),
        // The clustered scheduler's job store wraps what the server said.
        Quartz.SchedulerException { InnerException: { } inner } => IsUnavailable(inner),
        // 08: connection exception; 53: insufficient resources; 57P01–57P03: admin shutdown, crash shutdown, cannot connect now;
        // 40001/40P01: serialization failure, deadlock (transient by definition); 42P01: undefined table (not migrated yet).
        PostgresException postgres => postgres.IsTransient || postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal) || postgres.SqlState is "57P01" or "57P02" or "57P03" or "42P01",
        // Npgsql's own (not the server's): the connection failed, was broken, or timed out. Npgsql wraps the socket's
        // and the stream's failures in these; a bare IOException is not the store's (ASP.NET Core's bad request body is
        // one: it must stay a 400, not become "Results are not being stored").
        NpgsqlException => true,
        SocketException or TimeoutException => true,
        _ => false,
    };

    public static string DescribeFailure(Exception exception) => exception switch
    {
        StoreSchemaException { InnerException: { } inner } => DescribeFailure(inner),
        Quartz.SchedulerException { InnerException: { } inner } => DescribeFailure(inner),
        PostgresException postgres => $"{postgres.MessageText.TrimEnd('.')} (PostgreSQL {postgres.SqlState})",
        NpgsqlException { InnerException: { } inner } npgsql => $"{npgsql.Message.TrimEnd('.')}: {inner.Message}",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };
}
