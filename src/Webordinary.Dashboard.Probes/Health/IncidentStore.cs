using Dapper;
using Webordinary.Dashboard.Probes.Store;

namespace Webordinary.Dashboard.Probes.Health;

/// <summary>Incidents in the dashboard's SQLite database.</summary>
public sealed class IncidentStore(SqliteDatabase database)
{
    public Task UpsertAsync(Incident incident, CancellationToken cancellationToken) => database.WriteAsync(connection => connection.ExecuteAsync(
        """
        INSERT OR REPLACE INTO incidents (id, probe_id, started_at, ended_at, first_run_id, failed_step, reason)
        VALUES (@Id, @ProbeId, @StartedAt, @EndedAt, @FirstRunId, @FailedStep, @Reason);
        """, new
        {
            incident.Id,
            incident.ProbeId,
            StartedAt = incident.StartedAt.ToUnixTimeMilliseconds(),
            EndedAt = incident.EndedAt?.ToUnixTimeMilliseconds(),
            incident.FirstRunId,
            incident.FailedStep,
            incident.Reason,
        }), cancellationToken);

    /// <summary>Newest first; optionally one probe's; optionally only the open ones.</summary>
    public async Task<IReadOnlyList<Incident>> ListAsync(string? probeId, bool openOnly, int limit, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string ProbeId, long StartedAt, long? EndedAt, string FirstRunId, string? FailedStep, string? Reason)>(
            """
            SELECT id, probe_id, started_at, ended_at, first_run_id, failed_step, reason FROM incidents
            WHERE (@probeId IS NULL OR probe_id = @probeId) AND (@openOnly = 0 OR ended_at IS NULL)
            ORDER BY started_at DESC LIMIT @limit;
            """, new { probeId, openOnly = openOnly ? 1 : 0, limit });
        return [.. rows.Select(r => new Incident(r.Id, r.ProbeId, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt),
            r.EndedAt is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null, r.FirstRunId, r.FailedStep, r.Reason))];
    }
}
