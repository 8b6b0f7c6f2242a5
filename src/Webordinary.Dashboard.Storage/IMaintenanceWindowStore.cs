namespace Webordinary.Dashboard.Storage;

/// <summary>An ad hoc maintenance window as it is stored (the scheduled ones live in configuration).</summary>
/// <param name="Probes">Probe ids it covers.</param>
/// <param name="Components">Platform components it covers, by name; neither probes nor components: everything.</param>
public sealed record StoredMaintenanceWindow(string Id, DateTimeOffset CreatedAt, string Actor, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Reason,
    IReadOnlyList<string> Probes, IReadOnlyList<string> Components);

/// <summary>The ad hoc maintenance windows made from the UI and the API: they survive a restart.</summary>
public interface IMaintenanceWindowStore
{
    /// <summary>The windows not ended by hand whose end is after <paramref name="now"/>, by start.</summary>
    Task<IReadOnlyList<StoredMaintenanceWindow>> ListOpenAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task AddAsync(StoredMaintenanceWindow window, CancellationToken cancellationToken);

    /// <summary>Ends the window now, by hand.</summary>
    Task EndAsync(string id, DateTimeOffset at, string actor, CancellationToken cancellationToken);
}
