using Dapper;
using Webordinary.Dashboard.Probes.Store;

namespace Webordinary.Dashboard.Probes.Scaling;

public enum ScaleReason
{
    Manual,
    Schedule,
    ProbeWarmUp,
}

public enum ScaleOutcome
{
    /// <summary>Requested; the rollout is under way.</summary>
    InProgress,

    /// <summary>Reached steady state; <see cref="ScaleAuditEntry.RolloutMs"/> is the real cold-start (or drain) time.</summary>
    Completed,

    /// <summary>ECS refused the change or could not be asked.</summary>
    Failed,

    /// <summary>Not steady within <see cref="ScalingOptions.RolloutTimeout"/>.</summary>
    TimedOut,

    /// <summary>A schedule's change was refused by a guardrail (e.g. a change already in flight).</summary>
    Refused,

    /// <summary>The dashboard stopped before the rollout was seen to finish.</summary>
    Interrupted,

    /// <summary>Replaced by a later change from the same actor (a probe parking what it warmed up).</summary>
    Superseded,
}

/// <summary>One change of a service's desired count: who, when, what, why, and how it went.</summary>
public sealed record ScaleAuditEntry(
    string Id,
    DateTimeOffset At,
    string Actor,
    string Service,
    int From,
    int To,
    ScaleReason Reason,
    ScaleOutcome Outcome,
    string? Message,
    DateTimeOffset? CompletedAt,
    double? RolloutMs);

/// <summary>The audit log of scale changes, in the dashboard's SQLite database; it survives restarts.</summary>
public sealed class ScaleAuditStore(SqliteDatabase database, TimeProvider time)
{
    public const string InterruptedMessage = "The dashboard stopped before the rollout was seen to finish.";

    /// <summary>Closes entries a previous process left in progress.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE scale_audit SET outcome = 'Interrupted', message = @message, completed_at = @now WHERE outcome = 'InProgress';",
            new { message = InterruptedMessage, now = time.GetUtcNow().ToUnixTimeMilliseconds() }), cancellationToken);
    }

    public Task AddAsync(ScaleAuditEntry entry, CancellationToken cancellationToken) => database.WriteAsync(connection => connection.ExecuteAsync(
        """
        INSERT INTO scale_audit (id, at, actor, service, from_count, to_count, reason, outcome, message, completed_at, rollout_ms)
        VALUES (@Id, @At, @Actor, @Service, @From, @To, @Reason, @Outcome, @Message, @CompletedAt, @RolloutMs);
        """, Row.From(entry)), cancellationToken);

    public Task CompleteAsync(string id, ScaleOutcome outcome, string? message, DateTimeOffset completedAt, double? rolloutMs, CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE scale_audit SET outcome = @outcome, message = COALESCE(@message, message), completed_at = @completedAt, rollout_ms = @rolloutMs WHERE id = @id;",
            new { id, outcome = outcome.ToString(), message, completedAt = completedAt.ToUnixTimeMilliseconds(), rolloutMs }), cancellationToken);

    /// <summary>Newest first.</summary>
    public async Task<IReadOnlyList<ScaleAuditEntry>> ListAsync(int limit, string? service, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            """
            SELECT id AS Id, at AS At, actor AS Actor, service AS Service, from_count AS FromCount, to_count AS ToCount, reason AS Reason,
                   outcome AS Outcome, message AS Message, completed_at AS CompletedAt, rollout_ms AS RolloutMs
            FROM scale_audit WHERE (@service IS NULL OR service = @service) ORDER BY at DESC, id DESC LIMIT @limit;
            """, new { limit, service });
        return [.. rows.Select(r => r.ToEntry())];
    }

    public async Task<IReadOnlySet<string>> PausedSchedulesAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>("SELECT name FROM schedule_pauses;")).ToHashSet(StringComparer.Ordinal);
    }

    public Task SetPausedAsync(string schedule, bool paused, CancellationToken cancellationToken) => database.WriteAsync(connection => paused
        ? connection.ExecuteAsync("INSERT OR REPLACE INTO schedule_pauses (name, paused_at) VALUES (@schedule, @now);",
            new { schedule, now = time.GetUtcNow().ToUnixTimeMilliseconds() })
        : connection.ExecuteAsync("DELETE FROM schedule_pauses WHERE name = @schedule;", new { schedule }), cancellationToken);

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public long At { get; init; }
        public string Actor { get; init; } = "";
        public string Service { get; init; } = "";
        public long FromCount { get; init; }
        public long ToCount { get; init; }
        public string Reason { get; init; } = "";
        public string Outcome { get; init; } = "";
        public string? Message { get; init; }
        public long? CompletedAt { get; init; }
        public double? RolloutMs { get; init; }

        // Insert parameters use the record's names.
        public static object From(ScaleAuditEntry e) => new
        {
            e.Id,
            At = e.At.ToUnixTimeMilliseconds(),
            e.Actor,
            e.Service,
            e.From,
            e.To,
            Reason = e.Reason.ToString(),
            Outcome = e.Outcome.ToString(),
            e.Message,
            CompletedAt = e.CompletedAt?.ToUnixTimeMilliseconds(),
            e.RolloutMs,
        };

        public ScaleAuditEntry ToEntry() => new(Id, DateTimeOffset.FromUnixTimeMilliseconds(At), Actor, Service, (int)FromCount, (int)ToCount,
            Enum.Parse<ScaleReason>(Reason), Enum.Parse<ScaleOutcome>(Outcome), Message,
            CompletedAt is { } completed ? DateTimeOffset.FromUnixTimeMilliseconds(completed) : null, RolloutMs);
    }
}
