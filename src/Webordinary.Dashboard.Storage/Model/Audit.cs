using Webordinary.Dashboard.Probes.Scaling;

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
    IncidentAcknowledge,
    IncidentUnacknowledge,
    IncidentNoteAdd,
    IncidentNoteEdit,

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
