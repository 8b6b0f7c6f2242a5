using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Storage.Rows;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>Incidents and their notes in the dashboard's SQLite file.</summary>
public sealed class SqliteIncidentStore(SqliteDatabase database) : IIncidentStore
{
    private const string Columns =
        """
        id AS Id, probe_id AS ProbeId, started_at AS StartedAt, ended_at AS EndedAt, first_run_id AS FirstRunId, failed_step AS FailedStep, reason AS Reason,
        affected_probes AS AffectedProbes, end_reason AS EndReason, merged_into AS MergedInto,
        acknowledged_by_id AS AcknowledgedById, acknowledged_by AS AcknowledgedBy, acknowledged_at AS AcknowledgedAt
        """;

    public Task UpsertAsync(Incident incident, CancellationToken cancellationToken, IReadOnlyList<OutboxWrite>? outbox = null) =>
        database.WriteDurablyAsync(async (connection, transaction) =>
        {
            await UpsertAsync(connection, transaction, incident);
            if (outbox is { Count: > 0 })
            {
                await SqliteNotificationOutbox.WriteAsync(connection, transaction, outbox);
            }
        }, cancellationToken);

    // An update in place, not a replace: the acknowledgement columns are people's and stay as they are.
    private static Task UpsertAsync(SqliteConnection connection, SqliteTransaction transaction, Incident incident) => connection.ExecuteAsync(
        """
        INSERT INTO incidents (id, probe_id, started_at, ended_at, first_run_id, failed_step, reason, affected_probes, end_reason, merged_into)
        VALUES (@Id, @ProbeId, @StartedAt, @EndedAt, @FirstRunId, @FailedStep, @Reason, @AffectedProbes, @EndReason, @MergedInto)
        ON CONFLICT (id) DO UPDATE SET probe_id = excluded.probe_id, started_at = excluded.started_at, ended_at = excluded.ended_at,
            first_run_id = excluded.first_run_id, failed_step = excluded.failed_step, reason = excluded.reason,
            affected_probes = excluded.affected_probes, end_reason = excluded.end_reason, merged_into = excluded.merged_into;
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
        var rows = await connection.QueryAsync<IncidentRow>(
            $"""
            SELECT {Columns} FROM incidents
            WHERE (@probeId IS NULL OR probe_id = @probeId OR EXISTS (SELECT 1 FROM json_each(incidents.affected_probes) WHERE value = @probeId))
              AND (@openOnly = 0 OR ended_at IS NULL) AND (@includeMerged = 1 OR merged_into IS NULL)
            ORDER BY started_at DESC LIMIT @limit;
            """, new { probeId, openOnly = openOnly ? 1 : 0, includeMerged = includeMerged ? 1 : 0, limit });
        return [.. rows.Select(r => r.ToIncident())];
    }

    public async Task<Incident?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<IncidentRow>($"SELECT {Columns} FROM incidents WHERE id = @id;", new { id }))?.ToIncident();
    }

    public Task<IncidentUpdate> AcknowledgeAsync(string id, IncidentAcknowledgement? acknowledgement, CancellationToken cancellationToken,
        IReadOnlyList<OutboxWrite>? outbox = null) => database.WriteAsync(async connection =>
    {
        await using var transaction = connection.BeginTransaction();
        var changed = await connection.ExecuteAsync(acknowledgement is null ? IncidentRow.Unacknowledge : IncidentRow.Acknowledge,
            IncidentRow.AcknowledgementParameters(id, acknowledgement), transaction);
        if (changed == 0)
        {
            var closed = await connection.QuerySingleOrDefaultAsync<long?>(
                "SELECT CASE WHEN ended_at IS NULL AND merged_into IS NULL THEN 0 ELSE 1 END FROM incidents WHERE id = @id;", new { id }, transaction);
            return closed switch { null => IncidentUpdate.NotFound, 1 => IncidentUpdate.Closed, _ => IncidentUpdate.Unchanged };
        }

        if (outbox is { Count: > 0 })
        {
            await SqliteNotificationOutbox.WriteAsync(connection, transaction, outbox);
        }

        await transaction.CommitAsync(cancellationToken);
        return IncidentUpdate.Done;
    }, cancellationToken);

    public Task<IncidentUpdate> AddNoteAsync(IncidentNote note, CancellationToken cancellationToken) => database.WriteAsync(async connection =>
        await connection.ExecuteAsync(IncidentNoteRow.Insert, IncidentNoteRow.From(note)) == 1 ? IncidentUpdate.Done : IncidentUpdate.NotFound, cancellationToken);

    public Task<IncidentUpdate> EditNoteAsync(string incidentId, string noteId, string text, DateTimeOffset editedAt, CancellationToken cancellationToken) =>
        database.WriteAsync(async connection =>
            await connection.ExecuteAsync(IncidentNoteRow.Edit, new { text, editedAt = editedAt.ToUnixTimeMilliseconds(), noteId, incidentId }) == 1
                ? IncidentUpdate.Done
                : IncidentUpdate.NotFound, cancellationToken);

    public async Task<IReadOnlyList<IncidentNote>> ListNotesAsync(string incidentId, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<IncidentNoteRow>(
            IncidentNoteRow.ListOfIncident, new { incidentId });
        return [.. rows.Select(r => r.ToNote())];
    }
}
