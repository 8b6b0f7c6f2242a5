using System.Text.Json;
using Dapper;
using Npgsql;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Storage.Rows;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>Incidents and their notes on PostgreSQL (the probes they affected as a jsonb array, found by its GIN index).</summary>
public sealed class PostgresIncidentStore(PostgresDatabase database) : IIncidentStore
{
    private const string Columns =
        """
        id AS Id, probe_id AS ProbeId, started_at AS StartedAt, ended_at AS EndedAt, first_run_id AS FirstRunId, failed_step AS FailedStep, reason AS Reason,
        affected_probes::text AS AffectedProbes, end_reason AS EndReason, merged_into AS MergedInto,
        acknowledged_by_id AS AcknowledgedById, acknowledged_by AS AcknowledgedBy, acknowledged_at AS AcknowledgedAt
        """;

    /// <summary>The incident and its outbox rows in one transaction of the writer: both stored, or neither.</summary>
    public Task UpsertAsync(Incident incident, CancellationToken cancellationToken, IReadOnlyList<OutboxWrite>? outbox = null) =>
        database.WriteDurablyAsync(async (connection, transaction) =>
        {
            await UpsertAsync(connection, transaction, incident);
            if (outbox is { Count: > 0 })
            {
                await PostgresNotificationOutbox.WriteAsync(connection, transaction, outbox);
            }
        }, cancellationToken);

    private static Task UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Incident incident) => connection.ExecuteAsync(
        """
        INSERT INTO incidents (id, probe_id, started_at, ended_at, first_run_id, failed_step, reason, affected_probes, end_reason, merged_into)
        VALUES (@Id, @ProbeId, @StartedAt, @EndedAt, @FirstRunId, @FailedStep, @Reason, CAST(@AffectedProbes AS jsonb), @EndReason, @MergedInto)
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
        return await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM incidents WHERE id = @id AND (ended_at IS NOT NULL OR merged_into IS NOT NULL));", new { id });
    }

    public async Task<IReadOnlyList<Incident>> ListAsync(string? probeId, bool openOnly, int limit, CancellationToken cancellationToken, bool includeMerged = false)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<IncidentRow>(
            $"""
            SELECT {Columns} FROM incidents
            WHERE (CAST(@probeId AS text) IS NULL OR probe_id = @probeId OR affected_probes @> jsonb_build_array(CAST(@probeId AS text)))
              AND (NOT @openOnly OR ended_at IS NULL) AND (@includeMerged OR merged_into IS NULL)
            ORDER BY started_at DESC LIMIT @limit;
            """, new { probeId, openOnly, includeMerged, limit });
        return [.. rows.Select(r => r.ToIncident())];
    }

    public async Task<Incident?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<IncidentRow>($"SELECT {Columns} FROM incidents WHERE id = @id;", new { id }))?.ToIncident();
    }

    public Task<IncidentUpdate> AcknowledgeAsync(string id, IncidentAcknowledgement? acknowledgement, CancellationToken cancellationToken,
        IReadOnlyList<OutboxWrite>? outbox = null) => database.WriteAsync(async connection =>
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(acknowledgement is null ? IncidentRow.Unacknowledge : IncidentRow.Acknowledge,
            IncidentRow.AcknowledgementParameters(id, acknowledgement), transaction);
        if (changed == 0)
        {
            var closed = await connection.QuerySingleOrDefaultAsync<bool?>(
                "SELECT ended_at IS NOT NULL OR merged_into IS NOT NULL FROM incidents WHERE id = @id;", new { id }, transaction);
            return closed switch { null => IncidentUpdate.NotFound, true => IncidentUpdate.Closed, false => IncidentUpdate.Unchanged };
        }

        if (outbox is { Count: > 0 })
        {
            await PostgresNotificationOutbox.WriteAsync(connection, transaction, outbox);
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
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<IncidentNoteRow>(
            IncidentNoteRow.ListOfIncident, new { incidentId });
        return [.. rows.Select(r => r.ToNote())];
    }
}
