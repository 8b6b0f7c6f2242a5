using Dapper;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>The run-now cooldown as a conditional write of <c>manual_runs</c> (see <see cref="RunNowCooldownSql"/>).</summary>
public sealed class SqliteRunNowCooldowns(SqliteDatabase database) : IRunNowCooldowns
{
    public Task<TimeSpan?> TryClaimAsync(string probeId, DateTimeOffset now, TimeSpan cooldown, CancellationToken cancellationToken) =>
        database.WriteAsync(async connection =>
        {
            var arguments = new { probeId, now = now.ToUnixTimeMilliseconds(), threshold = (now - cooldown).ToUnixTimeMilliseconds() };
            var claimed = await connection.QuerySingleOrDefaultAsync<long?>(RunNowCooldownSql.Claim, arguments) is not null;
            var last = claimed ? null : await connection.QuerySingleOrDefaultAsync<long?>(RunNowCooldownSql.Last, arguments);
            return RunNowCooldownSql.Remaining(claimed, last, now, cooldown);
        }, cancellationToken);
}
