namespace Webordinary.Dashboard.Probes.History;

/// <summary><c>History</c> section: how long each resolution is kept, and how the compaction job works.</summary>
public sealed class HistoryOptions
{
    public const string SectionName = "History";

    /// <summary>Raw runs (with their steps) are kept this long, then only their rollups remain.</summary>
    public TimeSpan RawRetention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Hourly rollups are kept this long.</summary>
    public TimeSpan HourlyRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Daily rollups are kept this long; empty (the default) keeps them forever.</summary>
    public TimeSpan? DailyRetention { get; set; }

    /// <summary>How often the compaction job runs.</summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(5);
}
