using Dapper;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>Scale changes in flight in <c>scale_in_flight</c> (see <see cref="ScaleClaimSql"/>).</summary>
public sealed class SqliteScaleClaims(SqliteDatabase database) : IScaleClaims
{
    public Task<ScaleClaim?> TryClaimAsync(ScaleClaim claim, DateTimeOffset staleBefore, CancellationToken cancellationToken) =>
        database.WriteAsync(async connection =>
        {
            var arguments = ScaleClaimSql.Arguments(claim, staleBefore);
            if (await connection.QuerySingleOrDefaultAsync<string>(ScaleClaimSql.Claim, arguments) is not null)
            {
                return null;
            }

            return (await connection.QuerySingleOrDefaultAsync<ScaleClaimSql.Row>(ScaleClaimSql.Holder, arguments))?.ToClaim()
                // Released between the two statements: the service is free again, but this request lost the race.
                ?? claim with { AuditId = "", InstanceId = "" };
        }, cancellationToken);

    public Task ReleaseAsync(string service, string auditId, CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync(ScaleClaimSql.Release, new { service, auditId }), cancellationToken);
}
