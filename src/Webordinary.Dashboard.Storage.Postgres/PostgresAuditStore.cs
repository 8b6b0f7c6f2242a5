using Dapper;
using Webordinary.Dashboard.Storage.Rows;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>The audit log on PostgreSQL (<c>audit_log</c>).</summary>
/// <param name="instance">Clustered, a starting instance leaves alone the scale changes live peers are rolling out.</param>
public sealed class PostgresAuditStore(PostgresDatabase database, DashboardInstance? instance = null) : IAuditStore
{
    public async Task CloseInterruptedScalesAsync(string message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        // Durable like the entries it closes: first in line while the server is away.
        await database.WriteDurablyAsync((connection, transaction) => connection.ExecuteAsync(
            instance is { Clustered: true }
                ? """
                  UPDATE audit_log SET outcome = 'Interrupted', message = @message, completed_at = @now
                  WHERE action = 'Scale' AND outcome = 'InProgress' AND id NOT IN (SELECT audit_id FROM scale_in_flight
                      WHERE instance_id IN (SELECT instance_name FROM qrtz_scheduler_state WHERE sched_name = @scheduler));
                  """
                : "UPDATE audit_log SET outcome = 'Interrupted', message = @message, completed_at = @now WHERE action = 'Scale' AND outcome = 'InProgress';",
            new { message, now = now.ToUnixTimeMilliseconds(), scheduler = PostgresScheduling.SchedulerName }, transaction), cancellationToken);
    }

    public Task AddAsync(AuditEntry entry, CancellationToken cancellationToken) =>
        database.WriteDurablyAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO audit_log (id, at, actor_id, actor_name, actor_via, action, target, outcome, message, from_count, to_count, reason, completed_at, rollout_ms)
            VALUES (@Id, @At, @ActorId, @ActorName, @ActorVia, @Action, @Target, @Outcome, @Message, @FromCount, @ToCount, @Reason, @CompletedAt, @RolloutMs)
            ON CONFLICT (id) DO NOTHING;
            """, AuditRow.From(entry), transaction), cancellationToken);

    public Task CompleteScaleAsync(string id, ScaleOutcome outcome, string? message, DateTimeOffset completedAt, double? rolloutMs, CancellationToken cancellationToken) =>
        database.WriteDurablyAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE audit_log SET outcome = @outcome, message = COALESCE(@message, message), completed_at = @completedAt, rollout_ms = @rolloutMs WHERE id = @id;",
            new { id, outcome = outcome.ToString(), message, completedAt = completedAt.ToUnixTimeMilliseconds(), rolloutMs }, transaction), cancellationToken);

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AuditRow>(
            """
            SELECT id AS Id, at AS At, actor_id AS ActorId, actor_name AS ActorName, actor_via AS ActorVia, action AS Action, target AS Target,
                   outcome AS Outcome, message AS Message, from_count AS FromCount, to_count AS ToCount, reason AS Reason,
                   completed_at AS CompletedAt, rollout_ms AS RolloutMs
            FROM audit_log
            WHERE (CAST(@actor AS text) IS NULL OR actor_id = @actor OR actor_name = @actor) AND (CAST(@action AS text) IS NULL OR action = @action)
              AND (CAST(@target AS text) IS NULL OR target = @target)
            ORDER BY at DESC, id DESC LIMIT @limit;
            """, new { limit = query.Limit, actor = query.Actor, action = query.Action?.ToString(), target = query.Target });
        return [.. rows.Select(r => r.ToEntry())];
    }
}
