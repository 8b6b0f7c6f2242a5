using Webordinary.Dashboard.Probes.History;

namespace Webordinary.Dashboard.Storage;

/// <summary>Uptime and chart history, read from the rollups and, where nothing is rolled up yet, from the raw runs.</summary>
public interface IHistoryStore
{
    /// <summary>
    /// Uptime over 24 h, 7 d, 30 d and 365 d of one probe, or of the whole platform (<paramref name="probeId"/> null:
    /// every probe's runs together), from the coarsest rows that cover each stretch.
    /// </summary>
    Task<IReadOnlyList<UptimeWindow>> GetUptimeAsync(string? probeId, CancellationToken cancellationToken);

    /// <summary>The stored rollups of buckets starting in [from, to), oldest first.</summary>
    Task<IReadOnlyList<Rollup>> GetRollupsAsync(string probeId, RollupResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>
    /// A probe's history for a chart: the rollups of buckets starting in [from, to), and after them the buckets not
    /// rolled up yet made now from the raw runs, so a new probe's chart has points from its first run.
    /// </summary>
    Task<IReadOnlyList<Rollup>> GetHistoryAsync(string probeId, RollupResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>
/// Keeps the store small for years: rolls closed hours and days of raw runs up into rollups (each bucket with its
/// watermark, so an interrupted compaction resumes without double counting), then deletes raw runs and hourly rollups
/// past their retention (<see cref="HistoryOptions"/>) — never before they were rolled up.
/// </summary>
public interface IHistoryCompaction
{
    Task<CompactionResult> CompactAsync(CancellationToken cancellationToken);
}

public sealed record CompactionResult(int HoursRolledUp, int DaysRolledUp, int RawRunsDeleted, int HourlyRowsDeleted, int DailyRowsDeleted);

/// <summary>The history's buckets, the same on every engine.</summary>
public static class HistoryBuckets
{
    /// <summary>A bucket is rolled up only when no run that started in it can still be running (the longest probe timeout is 30 min).</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMinutes(35);

    /// <summary>The start of the bucket of <paramref name="length"/> that holds <paramref name="at"/> (Unix-epoch aligned, so UTC days).</summary>
    public static DateTimeOffset Floor(DateTimeOffset at, TimeSpan length) =>
        DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds() - ((at.ToUnixTimeMilliseconds() % (long)length.TotalMilliseconds) + (long)length.TotalMilliseconds) % (long)length.TotalMilliseconds);

    /// <summary>The start of the first bucket that starts at or after <paramref name="at"/>.</summary>
    public static DateTimeOffset Ceiling(DateTimeOffset at, TimeSpan length) => Floor(at, length) == at ? at : Floor(at, length) + length;
}

/// <summary>The history's watermarks (<c>history_marks</c>), by name, the same on every engine.</summary>
public static class HistoryMarks
{
    /// <summary>Hours before this are rolled up.</summary>
    public const string HourDone = "hour.done";

    /// <summary>Days before this are rolled up.</summary>
    public const string DayDone = "day.done";

    /// <summary>Raw runs before this are deleted (only rollups remain).</summary>
    public const string RawDeletedBefore = "raw.deleted-before";

    /// <summary>Hourly rollups before this are deleted.</summary>
    public const string HourDeletedBefore = "hour.deleted-before";
}
