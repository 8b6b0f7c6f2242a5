using Webordinary.Dashboard.Notifications;

namespace Webordinary.Dashboard.Probes.Health;

/// <summary>
/// What an incident change causes beyond itself (the notifications it must send), written with the change as one unit
/// of work (<see cref="Storage.IIncidentStore.UpsertAsync"/>): either both are stored, or neither. Called by <see cref="ProbeHealthTracker"/> in the order the
/// changes happen, one at a time.
/// </summary>
public interface IIncidentOutbox
{
    /// <summary>The outbox rows that go with <paramref name="change"/>, or null when it causes nothing.</summary>
    IReadOnlyList<OutboxWrite>? Prepare(IncidentChange change);

    /// <summary>The change and what <see cref="Prepare"/> returned were stored (or are kept in memory until the store works again).</summary>
    void Stored(IncidentChange change);

    /// <summary>
    /// The outbox rows that go with a person's acknowledgement of <paramref name="acknowledged"/> (written with it by
    /// <see cref="Storage.IIncidentStore.AcknowledgeAsync"/>), or null when it causes nothing.
    /// </summary>
    IReadOnlyList<OutboxWrite>? PrepareAcknowledgement(Incident acknowledged);

    /// <summary>An acknowledgement and what <see cref="PrepareAcknowledgement"/> returned were stored.</summary>
    void StoredAcknowledgement(Incident acknowledged);
}
