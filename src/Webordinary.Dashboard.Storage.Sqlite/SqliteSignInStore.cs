using Dapper;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>The Data Protection key ring in the SQLite file (<c>data_protection_keys</c>), kept across restarts.</summary>
public sealed class SqliteDataProtectionKeys(SqliteDatabase database) : IDataProtectionKeys
{
    public async Task<IReadOnlyList<StoredDataProtectionKey>> ListAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<StoredDataProtectionKey>("SELECT friendly_name AS FriendlyName, xml AS Xml FROM data_protection_keys ORDER BY id;")];
    }

    public async Task<bool> AddAsync(StoredDataProtectionKey key, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        return await database.WriteAsync(connection => connection.ExecuteAsync(
            "INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@FriendlyName, @Xml) ON CONFLICT (friendly_name) DO NOTHING;", key), cancellationToken) == 1;
    }
}

/// <summary>Sign-in sessions in the SQLite file (<c>sign_in_sessions</c>), kept across restarts.</summary>
public sealed class SqliteSignInSessions(SqliteDatabase database) : ISignInSessions
{
    public async Task AddAsync(string key, byte[] ticket, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await database.WriteAsync(connection => connection.ExecuteAsync(
            "INSERT INTO sign_in_sessions (key, ticket, expires_at) VALUES (@key, @ticket, @expires);",
            new { key, ticket, expires = expiresAt.ToUnixTimeMilliseconds() }), cancellationToken);
    }

    public async Task<bool> RenewAsync(string key, byte[] ticket, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        return await database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE sign_in_sessions SET ticket = @ticket, expires_at = @expires WHERE key = @key;",
            new { key, ticket, expires = expiresAt.ToUnixTimeMilliseconds() }), cancellationToken) == 1;
    }

    public async Task<byte[]?> GetAsync(string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<byte[]?>(
            "SELECT ticket FROM sign_in_sessions WHERE key = @key AND expires_at > @now;", new { key, now = now.ToUnixTimeMilliseconds() });
    }

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await database.WriteAsync(connection => connection.ExecuteAsync("DELETE FROM sign_in_sessions WHERE key = @key;", new { key }), cancellationToken);
    }

    public async Task<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        return await database.WriteAsync(connection => connection.ExecuteAsync(
            "DELETE FROM sign_in_sessions WHERE expires_at <= @now;", new { now = now.ToUnixTimeMilliseconds() }), cancellationToken);
    }
}
