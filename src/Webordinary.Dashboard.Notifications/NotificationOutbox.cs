using Dapper;
using Microsoft.Data.Sqlite;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;

namespace Webordinary.Dashboard.Notifications;

public enum DeliveryState
{
    /// <summary>Waiting to be sent, or to be tried again.</summary>
    Pending,

    /// <summary>An attempt is under way (claimed by the channel's sender, so nothing cancels it meanwhile).</summary>
    Sending,

    Delivered,

    /// <summary>A dead letter: the retries ran out, or the receiver refused it for good. Retry sends it again.</summary>
    Dead,

    /// <summary>Not sent, and will not be: its incident became part of another before it went out.</summary>
    Cancelled,
}

/// <summary>One message of the outbox, with how its delivery went (a row of the delivery log).</summary>
/// <param name="HoldUntil">An "opened" message may wait until then while its incident is still taking shape.</param>
public sealed record OutboxEntry(
    long Id,
    string Key,
    string Channel,
    NotificationEvent Event,
    string? IncidentId,
    string? ProbeId,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    DateTimeOffset? HoldUntil,
    DeliveryState State,
    int Attempts,
    DateTimeOffset? LastAttemptAt,
    int? LastStatus,
    string? LastError,
    DateTimeOffset? DeliveredAt,
    string Payload)
{
    /// <summary>From the change that caused it to the receiver's acknowledgement.</summary>
    public TimeSpan? Latency => DeliveredAt - CreatedAt;

    /// <summary>The message's one line ("dynamodb-session-table is down"), from its payload.</summary>
    public string Title
    {
        get
        {
            try
            {
                return NotificationPayload.FromJson(Payload).Title;
            }
            catch (System.Text.Json.JsonException)
            {
                return "";
            }
        }
    }
}

/// <summary>How a message is put into the outbox.</summary>
public enum OutboxWriteKind
{
    /// <summary>Once per key; a second write of the key is ignored.</summary>
    Queue,

    /// <summary>Once per key; while the first is not sent yet (and was never tried), the newer payload replaces its payload.</summary>
    QueueOrRefresh,

    /// <summary>Only if the incident's opened message went to the channel (or is on its way): a resolution follows an announcement.</summary>
    QueueIfAnnounced,

    /// <summary>Cancels the incident's opened message to the channel if it has not gone out.</summary>
    CancelUnsent,
}

public sealed record OutboxWrite(OutboxWriteKind Kind, string Key, string Channel, NotificationEvent Event, string? IncidentId, string? ProbeId,
    DateTimeOffset At, DateTimeOffset? HoldUntil, string? Payload);

/// <param name="Channel">One channel's, or every channel's.</param>
/// <param name="State">Only these (dead letters: <see cref="DeliveryState.Dead"/>).</param>
public sealed record DeliveryQuery(int Limit = 100, string? Channel = null, DeliveryState? State = null, string? IncidentId = null);

/// <summary>A channel's delivery figures from the log.</summary>
public sealed record ChannelFigures(string Channel, int Pending, int Dead, DateTimeOffset? LastDeliveredAt, DateTimeOffset? LastAttemptAt, string? LastError, int? LastStatus);

/// <summary>
/// The notification outbox in the results database: a message is a row before it is anything else (written in the
/// transaction of the incident change that causes it), unique by its key, and the row records each attempt.
/// </summary>
public sealed class NotificationOutbox(SqliteDatabase database)
{
    private const string Columns =
        """
        id AS Id, key AS Key, channel AS Channel, event AS Event, incident_id AS IncidentId, probe_id AS ProbeId, created_at AS CreatedAt,
        due_at AS DueAt, hold_until AS HoldUntil, state AS State, attempts AS Attempts, last_attempt_at AS LastAttemptAt, last_status AS LastStatus,
        last_error AS LastError, delivered_at AS DeliveredAt, payload AS Payload
        """;

    /// <summary>Writes <paramref name="writes"/> in the caller's transaction (an incident change's).</summary>
    public static async Task WriteAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<OutboxWrite> writes)
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
                // "WHERE true": an INSERT from a SELECT needs a WHERE before ON CONFLICT (SQLite's parsing ambiguity).
                OutboxWriteKind.Queue => $"{insert} WHERE true ON CONFLICT (key) DO NOTHING;",
                OutboxWriteKind.QueueOrRefresh =>
                    $"{insert} WHERE true ON CONFLICT (key) DO UPDATE SET payload = excluded.payload WHERE state = 'Pending' AND attempts = 0;",
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

    /// <summary>Writes on their own (a reminder, a Degraded message, a test), durably: kept in memory while the file cannot take them.</summary>
    public Task WriteAsync(IReadOnlyList<OutboxWrite> writes, CancellationToken cancellationToken) => database.WriteDurablyAsync((connection, transaction) => WriteAsync(connection, transaction, writes), cancellationToken);

    /// <summary>The channel's messages waiting to go, in the order they were made.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> PendingAsync(string channel, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM notification_outbox WHERE state = 'Pending' AND channel = @channel ORDER BY id LIMIT @limit;", new { channel, limit });
        return [.. rows.Select(r => r.ToEntry())];
    }

    public async Task<OutboxEntry?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM notification_outbox WHERE id = @id;", new { id });
        return row?.ToEntry();
    }

    public async Task<OutboxEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM notification_outbox WHERE key = @key;", new { key });
        return row?.ToEntry();
    }

    /// <summary>Newest first.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> ListAsync(DeliveryQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            $"""
            SELECT {Columns} FROM notification_outbox
            WHERE (@channel IS NULL OR channel = @channel) AND (@state IS NULL OR state = @state) AND (@incident IS NULL OR incident_id = @incident)
            ORDER BY id DESC LIMIT @limit;
            """, new { channel = query.Channel, state = query.State?.ToString(), incident = query.IncidentId, limit = query.Limit });
        return [.. rows.Select(r => r.ToEntry())];
    }

    /// <summary>Whether the incident's opened message to the channel was delivered or is on its way.</summary>
    public async Task<bool> AnnouncedAsync(string incidentId, string channel, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM notification_outbox WHERE incident_id = @incidentId AND channel = @channel AND event = @opened AND state <> 'Cancelled';",
            new { incidentId, channel, opened = NotificationEvent.Opened.Name() }) > 0;
    }

    public async Task<IReadOnlyDictionary<string, ChannelFigures>> FiguresAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Channel, long Pending, long Dead, long? LastDeliveredAt, long? LastAttemptAt)>(
            """
            SELECT channel, SUM(state = 'Pending'), SUM(state = 'Dead'), MAX(delivered_at), MAX(last_attempt_at)
            FROM notification_outbox GROUP BY channel;
            """);
        var last = (await connection.QueryAsync<(string Channel, string? LastError, long? LastStatus)>(
            """
            SELECT o.channel, o.last_error, o.last_status FROM notification_outbox o
            WHERE o.last_attempt_at = (SELECT MAX(last_attempt_at) FROM notification_outbox WHERE channel = o.channel);
            """)).GroupBy(r => r.Channel).ToDictionary(g => g.Key, g => g.Last());
        return rows.ToDictionary(r => r.Channel, r => new ChannelFigures(r.Channel, (int)r.Pending, (int)r.Dead, FromMs(r.LastDeliveredAt), FromMs(r.LastAttemptAt),
            last.GetValueOrDefault(r.Channel).LastError, last.TryGetValue(r.Channel, out var l) && l.LastStatus is { } status ? (int)status : null), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Claims a pending message for an attempt; false when it is not pending any more (cancelled meanwhile).</summary>
    public async Task<bool> ClaimAsync(long id, CancellationToken cancellationToken) =>
        await database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE notification_outbox SET state = 'Sending' WHERE id = @id AND state = 'Pending';", new { id }), cancellationToken) == 1;

    /// <summary>Attempts a stop cut short (the dashboard went down mid-attempt) are pending again.</summary>
    public Task<int> ReleaseClaimsAsync(CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync("UPDATE notification_outbox SET state = 'Pending' WHERE state = 'Sending';"), cancellationToken);

    /// <summary>What one attempt did.</summary>
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

    /// <summary>A dead letter goes again: pending, due now, its attempts counted afresh.</summary>
    public async Task<bool> RetryAsync(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE notification_outbox SET state = 'Pending', attempts = 0, due_at = @now, hold_until = NULL WHERE id = @id AND state = 'Dead';",
            new { id, now = now.ToUnixTimeMilliseconds() }), cancellationToken) == 1;

    /// <summary>Messages to channels no longer configured are dead letters (the channel named in the error).</summary>
    public Task<int> ForgetChannelsAsync(IReadOnlyCollection<string> known, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync(
            $"""
            UPDATE notification_outbox SET state = 'Dead', last_attempt_at = @now,
                last_error = 'The channel is no longer configured (Notifications:Channels:' || channel || ').'
            WHERE state = 'Pending' AND channel NOT IN @known;
            """, new { known, now = now.ToUnixTimeMilliseconds() }), cancellationToken);

    /// <summary>Drops settled messages older than <paramref name="before"/>, but never those of an incident still open (its resolution needs them).</summary>
    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync(
            """
            DELETE FROM notification_outbox WHERE state <> 'Pending' AND created_at < @before
              AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = notification_outbox.incident_id AND i.ended_at IS NULL);
            """, new { before = before.ToUnixTimeMilliseconds() }), cancellationToken);

    private static DateTimeOffset? FromMs(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;

    private sealed class Row
    {
        public long Id { get; init; }
        public string Key { get; init; } = "";
        public string Channel { get; init; } = "";
        public string Event { get; init; } = "";
        public string? IncidentId { get; init; }
        public string? ProbeId { get; init; }
        public long CreatedAt { get; init; }
        public long DueAt { get; init; }
        public long? HoldUntil { get; init; }
        public string State { get; init; } = "";
        public long Attempts { get; init; }
        public long? LastAttemptAt { get; init; }
        public long? LastStatus { get; init; }
        public string? LastError { get; init; }
        public long? DeliveredAt { get; init; }
        public string Payload { get; init; } = "";

        public OutboxEntry ToEntry() => new(Id, Key, Channel, NotificationEvents.TryParse(Event, out var e) ? e : NotificationEvent.Test, IncidentId, ProbeId,
            DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(DueAt), FromMs(HoldUntil),
            Enum.Parse<DeliveryState>(State), (int)Attempts, FromMs(LastAttemptAt), LastStatus is { } s ? (int)s : null, LastError, FromMs(DeliveredAt), Payload);
    }
}
