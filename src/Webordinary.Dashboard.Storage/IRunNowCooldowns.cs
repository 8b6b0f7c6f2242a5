using Dapper;

namespace Webordinary.Dashboard.Storage;

/// <summary>A manual run (Run now, Run all) claims its probe's cooldown in the store, so one claim holds for every instance.</summary>
public interface IRunNowCooldowns
{
    /// <summary>
    /// Records a manual run of <paramref name="probeId"/> at <paramref name="now"/> unless the last one is less than
    /// <paramref name="cooldown"/> ago (one conditional write: two instances asked at once, one gets it).
    /// </summary>
    /// <returns>Null when claimed; otherwise how long until the probe may be run by hand again.</returns>
    Task<TimeSpan?> TryClaimAsync(string probeId, DateTimeOffset now, TimeSpan cooldown, CancellationToken cancellationToken);
}

/// <summary>The cooldown as a conditional write of <c>manual_runs</c>, the same statements on both engines (times as Unix milliseconds).</summary>
public sealed class RunNowCooldowns(IFallibleWrites writes) : IRunNowCooldowns
{
    /// <summary>Takes the row when it is new or its last run is at or before <c>@threshold</c>; returns a row only then.</summary>
    private const string ClaimSql = """
        INSERT INTO manual_runs (probe_id, last_manual_run_at) VALUES (@probeId, @now)
        ON CONFLICT (probe_id) DO UPDATE SET last_manual_run_at = excluded.last_manual_run_at
        WHERE manual_runs.last_manual_run_at <= @threshold
        RETURNING last_manual_run_at;
        """;

    private const string LastSql = "SELECT last_manual_run_at FROM manual_runs WHERE probe_id = @probeId;";

    public Task<TimeSpan?> TryClaimAsync(string probeId, DateTimeOffset now, TimeSpan cooldown, CancellationToken cancellationToken) =>
        writes.WriteAsync<TimeSpan?>(async connection =>
        {
            var arguments = new { probeId, now = now.ToUnixTimeMilliseconds(), threshold = (now - cooldown).ToUnixTimeMilliseconds() };
            if (await connection.QuerySingleOrDefaultAsync<long?>(ClaimSql, arguments) is not null)
            {
                return null;
            }

            // Refused: the wait left after the last manual run (none any more: claimed and dropped meanwhile, so a moment).
            var last = await connection.QuerySingleOrDefaultAsync<long?>(LastSql, arguments) ?? now.ToUnixTimeMilliseconds();
            return TimeSpan.FromTicks(Math.Max(0, (DateTimeOffset.FromUnixTimeMilliseconds(last) + cooldown - now).Ticks));
        }, cancellationToken);
}
