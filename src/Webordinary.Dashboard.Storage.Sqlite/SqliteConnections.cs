using Dapper;
using Microsoft.Data.Sqlite;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>Connections to the file, pooled, each with the pragmas every connection needs.</summary>
internal sealed class SqliteConnections(string databasePath)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
        return connection;
    }
}
