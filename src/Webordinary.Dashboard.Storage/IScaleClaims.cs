using Dapper;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Storage;

/// <summary>The scale change in flight of a service, held by the instance that started it (one row per service).</summary>
public sealed record ScaleClaim(string Service, string AuditId, string ActorId, string ActorName, ScaleReason Reason, int To, DateTimeOffset StartedAt, string InstanceId);

/// <summary>
/// One scale change at a time per service across every instance: a claim is one conditional insert (the service is the
/// key), so of two instances asked at once one gets it and the other is told who holds it.
/// </summary>
public interface IScaleClaims
{
    /// <summary>
    /// Claims <paramref name="claim"/>'s service unless another claim holds it that started after <paramref name="staleBefore"/>
    /// (one older is left by an instance that died mid-rollout, and is taken over).
    /// </summary>
    /// <returns>Null when claimed; otherwise the claim that holds the service.</returns>
    Task<ScaleClaim?> TryClaimAsync(ScaleClaim claim, DateTimeOffset staleBefore, CancellationToken cancellationToken);

    /// <summary>Drops the claim of that change (steady, timed out, failed or superseded); a newer claim of the service is left alone.</summary>
    Task ReleaseAsync(string service, string auditId, CancellationToken cancellationToken);
}

/// <summary>Claims in <c>scale_in_flight</c>, the same statements on both engines (times as Unix milliseconds).</summary>
public sealed class ScaleClaims(IFallibleWrites writes) : IScaleClaims
{
    public Task<ScaleClaim?> TryClaimAsync(ScaleClaim claim, DateTimeOffset staleBefore, CancellationToken cancellationToken) =>
        writes.WriteAsync(async connection =>
        {
            var arguments = Arguments(claim, staleBefore);
            if (await connection.QuerySingleOrDefaultAsync<string>(ClaimSql, arguments) is not null)
            {
                return null;
            }

            return (await connection.QuerySingleOrDefaultAsync<Row>(HolderSql, arguments))?.ToClaim()
                // Released between the two statements: the service is free again, but this request lost the race.
                ?? claim with { AuditId = "", InstanceId = "" };
        }, cancellationToken);

    public Task ReleaseAsync(string service, string auditId, CancellationToken cancellationToken) =>
        writes.WriteAsync(connection => connection.ExecuteAsync(ReleaseSql, new { service, auditId }), cancellationToken);

    private const string ClaimSql = """
        INSERT INTO scale_in_flight (service, audit_id, actor_id, actor_name, reason, to_count, started_at, instance_id)
        VALUES (@Service, @AuditId, @ActorId, @ActorName, @Reason, @To, @StartedAt, @InstanceId)
        ON CONFLICT (service) DO UPDATE SET audit_id = excluded.audit_id, actor_id = excluded.actor_id, actor_name = excluded.actor_name,
            reason = excluded.reason, to_count = excluded.to_count, started_at = excluded.started_at, instance_id = excluded.instance_id
        WHERE scale_in_flight.started_at < @StaleBefore
        RETURNING audit_id;
        """;

    private const string HolderSql = """
        SELECT service AS Service, audit_id AS AuditId, actor_id AS ActorId, actor_name AS ActorName, reason AS Reason, CAST(to_count AS bigint) AS "To",
            started_at AS StartedAt, instance_id AS InstanceId
        FROM scale_in_flight WHERE service = @Service;
        """;

    private const string ReleaseSql = "DELETE FROM scale_in_flight WHERE service = @service AND audit_id = @auditId;";

    private static object Arguments(ScaleClaim claim, DateTimeOffset staleBefore) => new
    {
        claim.Service, claim.AuditId, claim.ActorId, claim.ActorName, Reason = claim.Reason.ToString(), claim.To,
        StartedAt = claim.StartedAt.ToUnixTimeMilliseconds(), claim.InstanceId, StaleBefore = staleBefore.ToUnixTimeMilliseconds(),
    };

    /// <summary>A claim as read back (times and the reason as stored).</summary>
    private sealed record Row(string Service, string AuditId, string ActorId, string ActorName, string Reason, long To, long StartedAt, string InstanceId)
    {
        public ScaleClaim ToClaim() => new(Service, AuditId, ActorId, ActorName, Enum.Parse<ScaleReason>(Reason), (int)To,
            DateTimeOffset.FromUnixTimeMilliseconds(StartedAt), InstanceId);
    }
}
