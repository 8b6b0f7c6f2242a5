using Dapper;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>API keys' records on PostgreSQL (<c>api_keys</c>).</summary>
public sealed class PostgresApiKeyRecords(PostgresDatabase database) : IApiKeyRecords
{
    public async Task SyncConfiguredAsync(IReadOnlyList<ConfiguredApiKey> configured, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = now.ToUnixTimeMilliseconds();
        await database.WriteAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var key in configured)
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO api_keys (name, source, sha256, role, created_at, created_by) VALUES (@name, 'configuration', @sha256, @role, @now, 'configuration')
                    ON CONFLICT (name) DO UPDATE SET source = 'configuration', role = excluded.role,
                        revoked_at = CASE WHEN api_keys.sha256 = excluded.sha256 THEN api_keys.revoked_at END,
                        revoked_by = CASE WHEN api_keys.sha256 = excluded.sha256 THEN api_keys.revoked_by END,
                        sha256 = excluded.sha256;
                    """, new { name = key.Name, sha256 = key.Sha256, role = key.Role, now = at }, transaction);
            }

            await connection.ExecuteAsync(
                "UPDATE api_keys SET revoked_at = @now, revoked_by = 'configuration' WHERE source = 'configuration' AND revoked_at IS NULL AND NOT (name = ANY(@names));",
                new { now = at, names = configured.Select(k => k.Name).ToArray() }, transaction);
            await transaction.CommitAsync(cancellationToken);
            return 0;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredApiKey>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Name, string Source, string Sha256, string Role, long CreatedAt, string CreatedBy, long? RevokedAt, string? RevokedBy, long? LastUsedAt)>(
            "SELECT name, source, sha256, role, created_at, created_by, revoked_at, revoked_by, last_used_at FROM api_keys;");
        return [.. rows.Select(row => new StoredApiKey(row.Name, row.Source, row.Sha256, row.Role, DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
            row.CreatedBy, row.RevokedAt is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null, row.RevokedBy,
            row.LastUsedAt is { } used ? DateTimeOffset.FromUnixTimeMilliseconds(used) : null))];
    }

    public Task AddAsync(StoredApiKey key, CancellationToken cancellationToken) => database.WriteAsync(connection => connection.ExecuteAsync(
        "INSERT INTO api_keys (name, source, sha256, role, created_at, created_by) VALUES (@name, @source, @sha256, @role, @at, @by);",
        new { name = key.Name, source = key.Source, sha256 = key.Sha256, role = key.Role, at = key.CreatedAt.ToUnixTimeMilliseconds(), by = key.CreatedBy }), cancellationToken);

    public Task RevokeAsync(string name, DateTimeOffset at, string by, CancellationToken cancellationToken) => database.WriteAsync(connection => connection.ExecuteAsync(
        "UPDATE api_keys SET revoked_at = @at, revoked_by = @by WHERE name = @name;",
        new { name, at = at.ToUnixTimeMilliseconds(), by }), cancellationToken);

    public Task RecordUseAsync(string name, DateTimeOffset at, CancellationToken cancellationToken) => database.WriteAsync(connection => connection.ExecuteAsync(
        "UPDATE api_keys SET last_used_at = @at WHERE name = @name;", new { at = at.ToUnixTimeMilliseconds(), name }), cancellationToken);
}
