using Webordinary.Dashboard.Notifications;

namespace Webordinary.Dashboard.Storage;

/// <summary>
/// The notification outbox and its delivery log: a message is a row before it is anything else (written with the
/// incident change that causes it: <see cref="IIncidentStore.UpsertAsync"/>), unique by its key, and the row records
/// each attempt.
/// </summary>
public interface INotificationOutbox
{
    /// <summary>Writes on their own (a reminder, a Degraded message, a test), durably: kept in memory while the store cannot take them.</summary>
    Task WriteAsync(IReadOnlyList<OutboxWrite> writes, CancellationToken cancellationToken);

    /// <summary>The channel's messages waiting to go, in the order they were made.</summary>
    Task<IReadOnlyList<OutboxEntry>> PendingAsync(string channel, int limit, CancellationToken cancellationToken);

    Task<OutboxEntry?> GetAsync(long id, CancellationToken cancellationToken);

    Task<OutboxEntry?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<OutboxEntry>> ListAsync(DeliveryQuery query, CancellationToken cancellationToken);

    /// <summary>Whether the incident's opened message to the channel was delivered or is on its way.</summary>
    Task<bool> AnnouncedAsync(string incidentId, string channel, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, ChannelFigures>> FiguresAsync(CancellationToken cancellationToken);

    /// <summary>Claims a pending message for an attempt; false when it is not pending any more (cancelled meanwhile, or claimed by another).</summary>
    Task<bool> ClaimAsync(long id, CancellationToken cancellationToken);

    /// <summary>
    /// Attempts a stop cut short (the dashboard went down mid-attempt) are pending again. Clustered (PostgreSQL): this
    /// instance's claims and those whose lease ran out (their instance died), never a live peer's.
    /// </summary>
    Task<int> ReleaseClaimsAsync(CancellationToken cancellationToken);

    /// <summary>Claims whose lease ran out (their instance died mid-attempt) are pending again; one sender per store (SQLite) has none.</summary>
    Task<int> ReleaseExpiredClaimsAsync(CancellationToken cancellationToken) => Task.FromResult(0);

    /// <summary>What one attempt did (durable).</summary>
    Task RecordAttemptAsync(long id, DeliveryState state, int attempts, DateTimeOffset attemptedAt, DateTimeOffset dueAt, int? status, string? error,
        CancellationToken cancellationToken);

    /// <summary>A dead letter goes again: pending, due now, its attempts counted afresh.</summary>
    Task<bool> RetryAsync(long id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Messages to channels no longer configured are dead letters (the channel named in the error).</summary>
    Task<int> ForgetChannelsAsync(IReadOnlyCollection<string> known, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Drops settled messages older than <paramref name="before"/>, but never those of an incident still open (its resolution needs them).</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
