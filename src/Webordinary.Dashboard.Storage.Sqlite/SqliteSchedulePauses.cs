using Dapper;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>Which scale schedules are paused, in the SQLite file (<c>schedule_pauses</c>).</summary>
public sealed class SqliteSchedulePauses(SqliteDatabase database, TimeProvider time) : ISchedulePauses
{
    public async Task<IReadOnlySet<string>> ListAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>("SELECT name FROM schedule_pauses;")).ToHashSet(StringComparer.Ordinal);
    }

    public Task SetAsync(string schedule, bool paused, CancellationToken cancellationToken) => database.WriteAsync(connection => paused
        ? connection.ExecuteAsync("INSERT OR REPLACE INTO schedule_pauses (name, paused_at) VALUES (@schedule, @now);",
            new { schedule, now = time.GetUtcNow().ToUnixTimeMilliseconds() })
        : connection.ExecuteAsync("DELETE FROM schedule_pauses WHERE name = @schedule;", new { schedule }), cancellationToken);
}
