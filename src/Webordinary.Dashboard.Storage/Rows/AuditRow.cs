using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Storage.Rows;

/// <summary>An audit entry as every engine stores it (<c>audit_log</c>'s columns; times in Unix milliseconds).</summary>
public sealed class AuditRow
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

    public static AuditRow From(AuditEntry e) => new()
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
