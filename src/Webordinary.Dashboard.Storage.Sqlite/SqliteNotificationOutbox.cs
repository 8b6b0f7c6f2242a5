using Dapper;
using Webordinary.Dashboard.Storage.Rows;
using Microsoft.Data.Sqlite;
using Webordinary.Dashboard.Notifications;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>
/// The notification outbox in the SQLite file: a message is a row before it is anything else (written in the
/// transaction of the incident change that causes it), unique by its key, and the row records each attempt.
/// </summary>
public sealed class SqliteNotificationOutbox(SqliteDatabase database) : INotificationOutbox
{
    private const string Columns =
        """
        id AS Id, key AS Key, channel AS Channel, event AS Event, incident_id AS IncidentId, probe_id AS ProbeId, created_at AS CreatedAt,
        due_at AS DueAt, hold_until AS HoldUntil, state AS State, attempts AS Attempts, last_attempt_at AS LastAttemptAt, last_status AS LastStatus,
        last_error AS LastError, delivered_at AS DeliveredAt, payload AS Payload
        """;

    /// <summary>Writes <paramref name="writes"/> in the caller's transaction (an incident change's).</summary>
    internal static async Task WriteAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<OutboxWrite> writes)
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

    public Task WriteAsync(IReadOnlyList<OutboxWrite> writes, CancellationToken cancellationToken) => database.WriteDurablyAsync((connection, transaction) => WriteAsync(connection, transaction, writes), cancellationToken);

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
            WHERE (@channel IS NULL OR channel = @channel) AND (@state IS NULL OR state = @state) AND (@incident IS NULL OR incident_id = @incident)
            ORDER BY id DESC LIMIT @limit;
            """, new { channel = query.Channel, state = query.State?.ToString(), incident = query.IncidentId, limit = query.Limit });
        return [.. rows.Select(r => r.ToEntry())];
    }

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

    public async Task<bool> ClaimAsync(long id, CancellationToken cancellationToken) =>
        await database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE notification_outbox SET state = 'Sending' WHERE id = @id AND state = 'Pending';", new { id }), cancellationToken) == 1;

    public Task<int> ReleaseClaimsAsync(CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync("UPDATE notification_outbox SET state = 'Pending' WHERE state = 'Sending';"), cancellationToken);

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
            $"""
            UPDATE notification_outbox SET state = 'Dead', last_attempt_at = @now,
                last_error = 'The channel is no longer configured (Notifications:Channels:' || channel || ').'
            WHERE state = 'Pending' AND channel NOT IN @known;
            """, new { known, now = now.ToUnixTimeMilliseconds() }), cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync(
            """
            DELETE FROM notification_outbox WHERE state <> 'Pending' AND created_at < @before
              AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = notification_outbox.incident_id AND i.ended_at IS NULL);
            """, new { before = before.ToUnixTimeMilliseconds() }), cancellationToken);

    private static DateTimeOffset? FromMs(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
