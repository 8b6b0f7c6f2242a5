using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>Incidents in the dashboard's SQLite file.</summary>
public sealed class SqliteIncidentStore(SqliteDatabase database) : IIncidentStore
{
    public Task UpsertAsync(Incident incident, CancellationToken cancellationToken, IReadOnlyList<OutboxWrite>? outbox = null) =>
        database.WriteDurablyAsync(async (connection, transaction) =>
        {
            await UpsertAsync(connection, transaction, incident);
            if (outbox is { Count: > 0 })
            {
                await SqliteNotificationOutbox.WriteAsync(connection, transaction, outbox);
            }
        }, cancellationToken);

    private static Task UpsertAsync(SqliteConnection connection, SqliteTransaction transaction, Incident incident) => connection.ExecuteAsync(
        """
        INSERT OR REPLACE INTO incidents (id, probe_id, started_at, ended_at, first_run_id, failed_step, reason, affected_probes, end_reason, merged_into)
        VALUES (@Id, @ProbeId, @StartedAt, @EndedAt, @FirstRunId, @FailedStep, @Reason, @AffectedProbes, @EndReason, @MergedInto);
        """, new
        {
            incident.Id,
            incident.ProbeId,
            StartedAt = incident.StartedAt.ToUnixTimeMilliseconds(),
            EndedAt = incident.EndedAt?.ToUnixTimeMilliseconds(),
            incident.FirstRunId,
            incident.FailedStep,
            incident.Reason,
            AffectedProbes = incident.Affected.Count == 0 ? null : JsonSerializer.Serialize(incident.Affected),
            incident.EndReason,
            incident.MergedInto,
        }, transaction);

    public async Task<bool> IsClosedAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM incidents WHERE id = @id AND (ended_at IS NOT NULL OR merged_into IS NOT NULL);", new { id }) > 0;
    }

    public async Task<IReadOnlyList<Incident>> ListAsync(string? probeId, bool openOnly, int limit, CancellationToken cancellationToken, bool includeMerged = false)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string ProbeId, long StartedAt, long? EndedAt, string FirstRunId, string? FailedStep, string? Reason,
            string? AffectedProbes, string? EndReason, string? MergedInto)>(
            """
            SELECT id, probe_id, started_at, ended_at, first_run_id, failed_step, reason, affected_probes, end_reason, merged_into FROM incidents
            WHERE (@probeId IS NULL OR probe_id = @probeId OR EXISTS (SELECT 1 FROM json_each(incidents.affected_probes) WHERE value = @probeId))
              AND (@openOnly = 0 OR ended_at IS NULL) AND (@includeMerged = 1 OR merged_into IS NULL)
            ORDER BY started_at DESC LIMIT @limit;
            """, new { probeId, openOnly = openOnly ? 1 : 0, includeMerged = includeMerged ? 1 : 0, limit });
        return [.. rows.Select(r => new Incident(r.Id, r.ProbeId, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt),
            r.EndedAt is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null, r.FirstRunId, r.FailedStep, r.Reason,
            r.AffectedProbes is null ? null : JsonSerializer.Deserialize<string[]>(r.AffectedProbes), r.EndReason, r.MergedInto))];
    }
}
