using Dapper;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Store;

namespace Webordinary.Dashboard.Probes.Audit;

/// <summary>
/// Who did something: a person (signed in through the dashboard's cookie or the ALB), an API key, the local user when
/// there is no sign-in, or the dashboard itself (a schedule, a probe).
/// </summary>
/// <param name="Id">Stable: the identity provider's subject, <c>apikey:{name}</c>, <c>schedule:{name}</c>, <c>probe:{id}</c> or <c>local</c>.</param>
/// <param name="Name">What people read: a display name or e-mail address, the key's or schedule's name.</param>
/// <param name="Via">How it was authenticated: <c>cookie</c>, <c>alb</c>, <c>apikey</c>, <c>local</c>, <c>schedule</c> or <c>probe</c>.</param>
public sealed record Actor(string Id, string Name, string Via)
{
    public static readonly Actor Local = new("local", "local", "local");

    public static Actor Schedule(string name) => new($"schedule:{name}", name, "schedule");

    public static Actor Probe(string probeId) => new($"probe:{probeId}", probeId, "probe");

    public override string ToString() => Via is "local" or "schedule" or "probe" ? Id : $"{Name} ({Via})";
}

public enum AuditAction
{
    RunNow,
    RunAll,
    Scale,
    SchedulePause,
    ScheduleResume,
    SandboxFault,
    ApiKeyCreate,
    ApiKeyRevoke,
    MaintenanceStart,
    MaintenanceEnd,
    NotificationTest,
    NotificationRetry,

    /// <summary>Wrong API keys from one client address (folded: one entry a minute).</summary>
    ApiKeyRejected,
}

/// <summary>What a scale entry adds: the change and how its rollout went.</summary>
public sealed record ScaleChange(int From, int To, ScaleReason Reason, DateTimeOffset? CompletedAt = null, double? RolloutMs = null);

/// <summary>One action: who, when, what, on what, and how it ended (<see cref="Outcome"/>: <see cref="AuditOutcomes"/> or a <see cref="ScaleOutcome"/>).</summary>
public sealed record AuditEntry(string Id, DateTimeOffset At, Actor Actor, AuditAction Action, string Target, string Outcome, string? Message,
    ScaleChange? Scale = null);

/// <summary>The outcomes of actions other than scale changes (those have <see cref="ScaleOutcome"/>).</summary>
public static class AuditOutcomes
{
    public const string Done = "Done";

    /// <summary>The actor's role does not allow it.</summary>
    public const string Denied = "Denied";

    /// <summary>A guardrail refused it (cooldown, range, a change in flight, unknown target).</summary>
    public const string Refused = "Refused";
}

/// <param name="Actor">Matches the actor's id or name.</param>
public sealed record AuditQuery(int Limit = 100, string? Actor = null, AuditAction? Action = null, string? Target = null);

/// <summary>
/// The one audit log of every action, in the dashboard's SQLite database; it survives restarts. Scale entries are
/// written when the change is asked for and completed when its rollout ends.
/// </summary>
public sealed class AuditLog(SqliteDatabase database, TimeProvider time)
{
    public const string InterruptedMessage = "The dashboard stopped before the rollout was seen to finish.";

    /// <summary>After each write, so open audit pages read the log again.</summary>
    public event Action? Changed;

    /// <summary>Closes scale entries a previous process left in progress.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE audit_log SET outcome = 'Interrupted', message = @message, completed_at = @now WHERE action = 'Scale' AND outcome = 'InProgress';",
            new { message = InterruptedMessage, now = time.GetUtcNow().ToUnixTimeMilliseconds() }), cancellationToken);
    }

    public async Task AddAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        // An action is never lost: when the file cannot take the entry it waits in memory with the runs (SqliteDatabase).
        await database.WriteDurablyAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO audit_log (id, at, actor_id, actor_name, actor_via, action, target, outcome, message, from_count, to_count, reason, completed_at, rollout_ms)
            VALUES (@Id, @At, @ActorId, @ActorName, @ActorVia, @Action, @Target, @Outcome, @Message, @FromCount, @ToCount, @Reason, @CompletedAt, @RolloutMs);
            """, Row.From(entry), transaction), cancellationToken);
        Changed?.Invoke();
    }

    /// <summary>Records an action that is over when it is written (everything but a scale change).</summary>
    public Task RecordAsync(Actor actor, AuditAction action, string target, string outcome, string? message, CancellationToken cancellationToken) =>
        AddAsync(new AuditEntry(Model.ProbeRun.NewId(), time.GetUtcNow(), actor, action, target, outcome, message), cancellationToken);

    public async Task CompleteScaleAsync(string id, ScaleOutcome outcome, string? message, DateTimeOffset completedAt, double? rolloutMs, CancellationToken cancellationToken)
    {
        await database.WriteDurablyAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE audit_log SET outcome = @outcome, message = COALESCE(@message, message), completed_at = @completedAt, rollout_ms = @rolloutMs WHERE id = @id;",
            new { id, outcome = outcome.ToString(), message, completedAt = completedAt.ToUnixTimeMilliseconds(), rolloutMs }, transaction), cancellationToken);
        Changed?.Invoke();
    }

    /// <summary>Newest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            """
            SELECT id AS Id, at AS At, actor_id AS ActorId, actor_name AS ActorName, actor_via AS ActorVia, action AS Action, target AS Target,
                   outcome AS Outcome, message AS Message, from_count AS FromCount, to_count AS ToCount, reason AS Reason,
                   completed_at AS CompletedAt, rollout_ms AS RolloutMs
            FROM audit_log
            WHERE (@actor IS NULL OR actor_id = @actor OR actor_name = @actor) AND (@action IS NULL OR action = @action) AND (@target IS NULL OR target = @target)
            ORDER BY at DESC, id DESC LIMIT @limit;
            """, new { limit = query.Limit, actor = query.Actor, action = query.Action?.ToString(), target = query.Target });
        return [.. rows.Select(r => r.ToEntry())];
    }

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public long At { get; init; }
        public string ActorId { get; init; } = "";
        public string ActorName { get; init; } = "";
        public string ActorVia { get; init; } = "";
        public string Action { get; init; } = "";
        public string Target { get; init; } = "";
        public string Outcome { get; init; } = "";
        public string? Message { get; init; }
        public long? FromCount { get; init; }
        public long? ToCount { get; init; }
        public string? Reason { get; init; }
        public long? CompletedAt { get; init; }
        public double? RolloutMs { get; init; }

        public static Row From(AuditEntry e) => new()
        {
            Id = e.Id,
            At = e.At.ToUnixTimeMilliseconds(),
            ActorId = e.Actor.Id,
            ActorName = e.Actor.Name,
            ActorVia = e.Actor.Via,
            Action = e.Action.ToString(),
            Target = e.Target,
            Outcome = e.Outcome,
            Message = e.Message,
            FromCount = e.Scale?.From,
            ToCount = e.Scale?.To,
            Reason = e.Scale?.Reason.ToString(),
            CompletedAt = e.Scale?.CompletedAt?.ToUnixTimeMilliseconds(),
            RolloutMs = e.Scale?.RolloutMs,
        };

        public AuditEntry ToEntry() => new(Id, DateTimeOffset.FromUnixTimeMilliseconds(At), new Actor(ActorId, ActorName, ActorVia),
            Enum.Parse<AuditAction>(Action), Target, Outcome, Message,
            FromCount is { } from && ToCount is { } to && Reason is { } reason
                ? new ScaleChange((int)from, (int)to, Enum.Parse<ScaleReason>(reason),
                    CompletedAt is { } completed ? DateTimeOffset.FromUnixTimeMilliseconds(completed) : null, RolloutMs)
                : null);
    }
}
