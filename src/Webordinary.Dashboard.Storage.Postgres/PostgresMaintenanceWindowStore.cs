using System.Text.Json;
using Dapper;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>Ad hoc maintenance windows on PostgreSQL (<c>maintenance_windows</c>; scopes as jsonb arrays, empty as NULL).</summary>
public sealed class PostgresMaintenanceWindowStore(PostgresDatabase database) : IMaintenanceWindowStore
{
    public async Task<IReadOnlyList<StoredMaintenanceWindow>> ListOpenAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, long CreatedAt, string Actor, long StartsAt, long EndsAt, string Reason, string? Probes, string? Components)>(
            """
            SELECT id, created_at, actor, starts_at, ends_at, reason, probes::text, components::text FROM maintenance_windows
            WHERE ended_at IS NULL AND ends_at > @now ORDER BY starts_at;
            """, new { now = now.ToUnixTimeMilliseconds() });
        return [.. rows.Select(r => new StoredMaintenanceWindow(r.Id, FromMs(r.CreatedAt), r.Actor, FromMs(r.StartsAt), FromMs(r.EndsAt), r.Reason,
            Read(r.Probes), Read(r.Components)))];
    }

    public Task AddAsync(StoredMaintenanceWindow window, CancellationToken cancellationToken) => database.WriteAsync(connection => connection.ExecuteAsync(
        """
        INSERT INTO maintenance_windows (id, created_at, actor, starts_at, ends_at, reason, probes, components)
        VALUES (@Id, @CreatedAt, @Actor, @StartsAt, @EndsAt, @Reason, CAST(@Probes AS jsonb), CAST(@Components AS jsonb));
        """, new
        {
            window.Id,
            CreatedAt = window.CreatedAt.ToUnixTimeMilliseconds(),
            window.Actor,
            StartsAt = window.StartsAt.ToUnixTimeMilliseconds(),
            EndsAt = window.EndsAt.ToUnixTimeMilliseconds(),
            window.Reason,
            Probes = window.Probes.Count == 0 ? null : JsonSerializer.Serialize(window.Probes),
            Components = window.Components.Count == 0 ? null : JsonSerializer.Serialize(window.Components),
        }), cancellationToken);

    public Task EndAsync(string id, DateTimeOffset at, string actor, CancellationToken cancellationToken) => database.WriteAsync(connection => connection.ExecuteAsync(
        "UPDATE maintenance_windows SET ended_at = @at, ended_by = @actor WHERE id = @id;",
        new { at = at.ToUnixTimeMilliseconds(), actor, id }), cancellationToken);

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static IReadOnlyList<string> Read(string? json) => json is null ? [] : JsonSerializer.Deserialize<string[]>(json) ?? [];
}
