using Dapper;
using Webordinary.Dashboard.Storage.Rows;
using Npgsql;
using Webordinary.Dashboard.Notifications;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// The notification outbox on PostgreSQL: a message is a row before it is anything else (written in the transaction
/// of the incident change that causes it), unique by its key; senders of every instance claim rows with
/// <c>FOR UPDATE SKIP LOCKED</c>, so each message goes once and no sender waits for another's.
/// </summary>
/// <param name="instance">Clustered, claims are leased to this instance (null: a store opened outside a dashboard, one sender).</param>
public sealed class PostgresNotificationOutbox(PostgresDatabase database, TimeProvider time, DashboardInstance? instance = null) : INotificationOutbox
{
    /// <summary>Settled rows deleted per statement, so retention never holds many locks at once.</summary>
    private const int PruneBatch = 5_000;

    private const string Columns =
        """
        id AS Id, key AS Key, channel AS Channel, event AS Event, incident_id AS IncidentId, probe_id AS ProbeId, created_at AS CreatedAt,
        due_at AS DueAt, hold_until AS HoldUntil, state AS State, attempts AS Attempts, last_attempt_at AS LastAttemptAt, last_status AS LastStatus,
        last_error AS LastError, delivered_at AS DeliveredAt, payload AS Payload
        """;

    /// <summary>Writes <paramref name="writes"/> in the caller's transaction (an incident change's).</summary>
    internal static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<OutboxWrite> writes)
    {
        foreach (var write in writes)
        {
            var row = new
            {
                write.Key,
                write.Channel,
                Event = write.Event.Name(),
                write.IncidentId,
                write.ProbeId,
                At = write.At.ToUnixTimeMilliseconds(),
                HoldUntil = write.HoldUntil?.ToUnixTimeMilliseconds(),
                write.Payload,
                Opened = NotificationEvent.Opened.Name(),
            };
            const string insert =
                """
                INSERT INTO notification_outbox (key, channel, event, incident_id, probe_id, created_at, due_at, hold_until, state, payload)
                SELECT @Key, @Channel, @Event, @IncidentId, @ProbeId, @At, @At, @HoldUntil, 'Pending', @Payload
                """;
            var sql = write.Kind switch
            {
                OutboxWriteKind.Queue => $"{insert} ON CONFLICT (key) DO NOTHING;",
                OutboxWriteKind.QueueOrRefresh =>
                    $"""
                    {insert} ON CONFLICT (key) DO UPDATE SET payload = excluded.payload
                    WHERE notification_outbox.state = 'Pending' AND notification_outbox.attempts = 0;
                    """,
                OutboxWriteKind.QueueIfAnnounced =>
                    $"""
                    {insert} WHERE EXISTS (SELECT 1 FROM notification_outbox o WHERE o.incident_id = @IncidentId AND o.channel = @Channel
                                           AND o.event = @Opened AND o.state <> 'Cancelled')
                    ON CONFLICT (key) DO NOTHING;
                    """,
                _ =>
                    """
                    UPDATE notification_outbox SET state = 'Cancelled', last_error = 'Not sent: the incident became part of another before it went out.'
                    WHERE incident_id = @IncidentId AND channel = @Channel AND event = @Opened AND state = 'Pending';
                    """,
            };
            await connection.ExecuteAsync(sql, row, transaction);
        }
    }

    public Task WriteAsync(IReadOnlyList<OutboxWrite> writes, CancellationToken cancellationToken) =>
        database.WriteDurablyAsync((connection, transaction) => WriteAsync(connection, transaction, writes), cancellationToken);

    public async Task<IReadOnlyList<OutboxEntry>> PendingAsync(string channel, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<OutboxRow>(
            $"SELECT {Columns} FROM notification_outbox WHERE state = 'Pending' AND channel = @channel ORDER BY id LIMIT @limit;", new { channel, limit });
        return [.. rows.Select(r => r.ToEntry())];
    }

    public async Task<OutboxEntry?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<OutboxRow>($"SELECT {Columns} FROM notification_outbox WHERE id = @id;", new { id });
        return row?.ToEntry();
    }

    public async Task<OutboxEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<OutboxRow>($"SELECT {Columns} FROM notification_outbox WHERE key = @key;", new { key });
        return row?.ToEntry();
    }

    public async Task<IReadOnlyList<OutboxEntry>> ListAsync(DeliveryQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<OutboxRow>(
            $"""
            SELECT {Columns} FROM notification_outbox
            WHERE (CAST(@channel AS text) IS NULL OR channel = @channel) AND (CAST(@state AS text) IS NULL OR state = @state)
              AND (CAST(@incident AS text) IS NULL OR incident_id = @incident)
            ORDER BY id DESC LIMIT @limit;
            """, new { channel = query.Channel, state = query.State?.ToString(), incident = query.IncidentId, limit = query.Limit });
        return [.. rows.Select(r => r.ToEntry())];
    }

    public async Task<bool> AnnouncedAsync(string incidentId, string channel, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(
            """
            SELECT EXISTS (SELECT 1 FROM notification_outbox
                           WHERE incident_id = @incidentId AND channel = @channel AND event = @opened AND state <> 'Cancelled');
            """, new { incidentId, channel, opened = NotificationEvent.Opened.Name() });
    }

    public async Task<IReadOnlyDictionary<string, ChannelFigures>> FiguresAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // Per channel: its counts, and the error and status of its latest attempt.
        var rows = await connection.QueryAsync<FiguresRow>(
            """
            SELECT c.channel AS Channel, c.pending AS Pending, c.dead AS Dead, c.last_delivered_at AS LastDeliveredAt, c.last_attempt_at AS LastAttemptAt,
                   l.last_error AS LastError, l.last_status AS LastStatus
            FROM (SELECT channel, COUNT(*) FILTER (WHERE state = 'Pending') AS pending, COUNT(*) FILTER (WHERE state = 'Dead') AS dead,
                         MAX(delivered_at) AS last_delivered_at, MAX(last_attempt_at) AS last_attempt_at
                  FROM notification_outbox GROUP BY channel) c
            LEFT JOIN LATERAL (SELECT last_error, last_status FROM notification_outbox o
                               WHERE o.channel = c.channel AND o.last_attempt_at = c.last_attempt_at ORDER BY o.id DESC LIMIT 1) l ON true;
            """);
        return rows.ToDictionary(r => r.Channel, r => new ChannelFigures(r.Channel, (int)r.Pending, (int)r.Dead, FromMs(r.LastDeliveredAt), FromMs(r.LastAttemptAt),
            r.LastError, r.LastStatus), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Locks the row if no other sender holds it (<c>SKIP LOCKED</c>: a sender of another instance claiming it at the
    /// same moment makes this one skip it, not wait) and it is still pending.
    /// </summary>
    /// <summary>
    /// How long a claim is leased: longer than the longest attempt (<c>Notifications:AttemptTimeout</c> is at most 2 min),
    /// so a live sender's row is never taken from it; a dead one's is released this long after it claimed it.
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(3);

    public async Task<bool> ClaimAsync(long id, CancellationToken cancellationToken) =>
        await database.WriteAsync(connection => connection.ExecuteAsync(
            """
            UPDATE notification_outbox SET state = 'Sending', claimed_by = @claimedBy, lease_until = @leaseUntil
            WHERE id = (SELECT id FROM notification_outbox WHERE id = @id AND state = 'Pending' FOR UPDATE SKIP LOCKED);
            """, new { id, claimedBy = instance?.Id, leaseUntil = (time.GetUtcNow() + Lease).ToUnixTimeMilliseconds() }), cancellationToken) == 1;

    /// <summary>
    /// Clustered: this instance's claims (at its start and stop) and those whose lease has run out (their sender died),
    /// never a live peer's. One sender (not clustered): every claim, as on SQLite.
    /// </summary>
    public Task<int> ReleaseClaimsAsync(CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync(instance is { Clustered: true }
            ? """
              UPDATE notification_outbox SET state = 'Pending', claimed_by = NULL, lease_until = NULL
              WHERE state = 'Sending' AND (claimed_by IS NULL OR claimed_by = @me OR lease_until < @now);
              """
            : "UPDATE notification_outbox SET state = 'Pending', claimed_by = NULL, lease_until = NULL WHERE state = 'Sending';",
            new { me = instance?.Id, now = time.GetUtcNow().ToUnixTimeMilliseconds() }), cancellationToken);

    public Task<int> ReleaseExpiredClaimsAsync(CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE notification_outbox SET state = 'Pending', claimed_by = NULL, lease_until = NULL WHERE state = 'Sending' AND lease_until < @now;",
            new { now = time.GetUtcNow().ToUnixTimeMilliseconds() }), cancellationToken);

    public Task RecordAttemptAsync(long id, DeliveryState state, int attempts, DateTimeOffset attemptedAt, DateTimeOffset dueAt, int? status, string? error,
        CancellationToken cancellationToken) =>
        database.WriteDurablyAsync((connection, transaction) => connection.ExecuteAsync(
            """
            UPDATE notification_outbox SET state = @state, attempts = @attempts, last_attempt_at = @attemptedAt, due_at = @dueAt, last_status = @status,
                last_error = @error, delivered_at = CASE WHEN @state = 'Delivered' THEN @attemptedAt ELSE delivered_at END
            WHERE id = @id;
            """, new
            {
                id,
                state = state.ToString(),
                attempts,
                attemptedAt = attemptedAt.ToUnixTimeMilliseconds(),
                dueAt = dueAt.ToUnixTimeMilliseconds(),
                status,
                error,
            }, transaction), cancellationToken);

    public async Task<bool> RetryAsync(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE notification_outbox SET state = 'Pending', attempts = 0, due_at = @now, hold_until = NULL WHERE id = @id AND state = 'Dead';",
            new { id, now = now.ToUnixTimeMilliseconds() }), cancellationToken) == 1;

    public Task<int> ForgetChannelsAsync(IReadOnlyCollection<string> known, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync(
            """
            UPDATE notification_outbox SET state = 'Dead', last_attempt_at = @now,
                last_error = 'The channel is no longer configured (Notifications:Channels:' || channel || ').'
            WHERE state = 'Pending' AND NOT (channel = ANY(@known));
            """, new { known = known.ToArray(), now = now.ToUnixTimeMilliseconds() }), cancellationToken);

    /// <summary>In batches by the creation-time index, each its own statement.</summary>
    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await database.WriteAsync(connection => connection.ExecuteAsync(
                """
                DELETE FROM notification_outbox WHERE id IN (
                    SELECT o.id FROM notification_outbox o WHERE o.created_at < @before AND o.state <> 'Pending'
                      AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = o.incident_id AND i.ended_at IS NULL)
                    LIMIT @batch);
                """, new { before = before.ToUnixTimeMilliseconds(), batch = PruneBatch }), cancellationToken);
            total += deleted;
        }
        while (deleted == PruneBatch && !cancellationToken.IsCancellationRequested);

        return total;
    }

    private static DateTimeOffset? FromMs(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;

    private sealed class FiguresRow
    {
        public string Channel { get; init; } = "";
        public long Pending { get; init; }
        public long Dead { get; init; }
        public long? LastDeliveredAt { get; init; }
        public long? LastAttemptAt { get; init; }
        public string? LastError { get; init; }
        public int? LastStatus { get; init; }
    }
}
