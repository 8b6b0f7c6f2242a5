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

/// <summary>The claim's statements, the same on both engines (each stores times as Unix milliseconds).</summary>
public static class RunNowCooldownSql
{
    /// <summary>Takes the row when it is new or its last run is at or before <c>@threshold</c>; returns a row only then.</summary>
    public const string Claim = """
        INSERT INTO manual_runs (probe_id, last_manual_run_at) VALUES (@probeId, @now)
        ON CONFLICT (probe_id) DO UPDATE SET last_manual_run_at = excluded.last_manual_run_at
        WHERE manual_runs.last_manual_run_at <= @threshold
        RETURNING last_manual_run_at;
        """;

    public const string Last = "SELECT last_manual_run_at FROM manual_runs WHERE probe_id = @probeId;";

    /// <summary>Null when <paramref name="claimed"/>; otherwise the wait left after the <paramref name="last"/> manual run.</summary>
    public static TimeSpan? Remaining(bool claimed, long? last, DateTimeOffset now, TimeSpan cooldown) => claimed
        ? null
        : TimeSpan.FromTicks(Math.Max(0, (DateTimeOffset.FromUnixTimeMilliseconds(last ?? now.ToUnixTimeMilliseconds()) + cooldown - now).Ticks));
}
