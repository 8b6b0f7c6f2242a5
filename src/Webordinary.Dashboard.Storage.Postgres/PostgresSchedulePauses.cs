using Dapper;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>Which scale schedules are paused, on PostgreSQL (<c>schedule_pauses</c>).</summary>
public sealed class PostgresSchedulePauses(PostgresDatabase database, TimeProvider time) : ISchedulePauses
{
    public async Task<IReadOnlySet<string>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>("SELECT name FROM schedule_pauses;")).ToHashSet(StringComparer.Ordinal);
    }

    public Task SetAsync(string schedule, bool paused, CancellationToken cancellationToken) => database.WriteAsync(connection => paused
        ? connection.ExecuteAsync(
            "INSERT INTO schedule_pauses (name, paused_at) VALUES (@schedule, @now) ON CONFLICT (name) DO UPDATE SET paused_at = excluded.paused_at;",
            new { schedule, now = time.GetUtcNow().ToUnixTimeMilliseconds() })
        : connection.ExecuteAsync("DELETE FROM schedule_pauses WHERE name = @schedule;", new { schedule }), cancellationToken);
}
