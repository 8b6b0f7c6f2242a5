using System.Text.Json;
using Dapper;
using Npgsql;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>Incidents on PostgreSQL (the probes they affected as a jsonb array, found by its GIN index).</summary>
public sealed class PostgresIncidentStore(PostgresDatabase database) : IIncidentStore
{
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
        var rows = await connection.QueryAsync<Row>(
            """
            SELECT id AS Id, probe_id AS ProbeId, started_at AS StartedAt, ended_at AS EndedAt, first_run_id AS FirstRunId, failed_step AS FailedStep,
                   reason AS Reason, affected_probes::text AS AffectedProbes, end_reason AS EndReason, merged_into AS MergedInto
            FROM incidents
            WHERE (CAST(@probeId AS text) IS NULL OR probe_id = @probeId OR affected_probes @> jsonb_build_array(CAST(@probeId AS text)))
              AND (NOT @openOnly OR ended_at IS NULL) AND (@includeMerged OR merged_into IS NULL)
            ORDER BY started_at DESC LIMIT @limit;
            """, new { probeId, openOnly, includeMerged, limit });
        return [.. rows.Select(r => new Incident(r.Id, r.ProbeId, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt),
            r.EndedAt is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null, r.FirstRunId, r.FailedStep, r.Reason,
            r.AffectedProbes is null ? null : JsonSerializer.Deserialize<string[]>(r.AffectedProbes), r.EndReason, r.MergedInto))];
    }

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string ProbeId { get; init; } = "";
        public long StartedAt { get; init; }
        public long? EndedAt { get; init; }
        public string FirstRunId { get; init; } = "";
        public string? FailedStep { get; init; }
        public string? Reason { get; init; }
        public string? AffectedProbes { get; init; }
        public string? EndReason { get; init; }
        public string? MergedInto { get; init; }
    }
}
