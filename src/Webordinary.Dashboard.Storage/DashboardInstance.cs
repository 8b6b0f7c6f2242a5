namespace Webordinary.Dashboard.Storage;

/// <summary>
/// This process among the dashboard's instances: its id (Quartz's scheduler instance in <c>qrtz_scheduler_state</c>,
/// written in the log at start) and whether the instances share one clustered scheduler (PostgreSQL) or this one
/// schedules alone (SQLite, one instance per file). Per process by nature: it names the process, made once per host.
/// </summary>
public sealed record DashboardInstance(string Id, bool Clustered)
{
    /// <summary>Unique per process, also when a task is restarted on the same host with the same pid.</summary>
    public static string NewId() => $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}
