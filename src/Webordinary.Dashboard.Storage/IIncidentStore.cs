using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;

namespace Webordinary.Dashboard.Storage;

/// <summary>Incidents, by root cause.</summary>
public interface IIncidentStore
{
    /// <summary>
    /// The unit of work of an incident change: writes the incident as it is now and <paramref name="outbox"/> (the
    /// notifications the change causes) in one transaction on every engine — both are stored, or neither. Durable: kept
    /// in memory, in order with the other durable writes, while the store cannot take it.
    /// </summary>
    Task UpsertAsync(Incident incident, CancellationToken cancellationToken, IReadOnlyList<OutboxWrite>? outbox = null);

    /// <summary>Whether the incident's end (resolved, ended or merged into another) is stored.</summary>
    Task<bool> IsClosedAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Newest first; optionally one probe's (as root cause or affected); optionally only the open ones. Incidents merged
    /// into another are left out unless <paramref name="includeMerged"/>.
    /// </summary>
    Task<IReadOnlyList<Incident>> ListAsync(string? probeId, bool openOnly, int limit, CancellationToken cancellationToken, bool includeMerged = false);
}
