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
    /// <remarks>It never changes <see cref="Incident.Acknowledged"/>: that is people's (<see cref="AcknowledgeAsync"/>), and the tracker's copy does not carry it.</remarks>
    Task UpsertAsync(Incident incident, CancellationToken cancellationToken, IReadOnlyList<OutboxWrite>? outbox = null);

    /// <summary>One incident, merged or not, with its acknowledgement; null when there is none with that id.</summary>
    Task<Incident?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Sets (or with null clears) an open incident's acknowledgement and writes <paramref name="outbox"/> in the same
    /// transaction, only when it changes: the first of two people acknowledging at once wins, and its message is the only one.
    /// Not durable: the caller tells the person when the store cannot take it.
    /// </summary>
    Task<IncidentUpdate> AcknowledgeAsync(string id, IncidentAcknowledgement? acknowledgement, CancellationToken cancellationToken, IReadOnlyList<OutboxWrite>? outbox = null);

    /// <summary>Adds a note (open or closed incidents alike: notes are written after the fact too).</summary>
    Task<IncidentUpdate> AddNoteAsync(IncidentNote note, CancellationToken cancellationToken);

    /// <summary>Replaces a note's text, marking when; <see cref="IncidentUpdate.NotFound"/> when the incident has no such note.</summary>
    Task<IncidentUpdate> EditNoteAsync(string incidentId, string noteId, string text, DateTimeOffset editedAt, CancellationToken cancellationToken);

    /// <summary>The incident's notes, oldest first.</summary>
    Task<IReadOnlyList<IncidentNote>> ListNotesAsync(string incidentId, CancellationToken cancellationToken);

    /// <summary>Whether the incident's end (resolved, ended or merged into another) is stored.</summary>
    Task<bool> IsClosedAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Newest first; optionally one probe's (as root cause or affected); optionally only the open ones. Incidents merged
    /// into another are left out unless <paramref name="includeMerged"/>.
    /// </summary>
    Task<IReadOnlyList<Incident>> ListAsync(string? probeId, bool openOnly, int limit, CancellationToken cancellationToken, bool includeMerged = false);
}
