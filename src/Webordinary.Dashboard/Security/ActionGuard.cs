using System.Security.Claims;
using Webordinary.Dashboard.Probes.Audit;

namespace Webordinary.Dashboard.Security;

/// <summary>How an action went: done (with its result), denied by the user's role, or refused as invalid.</summary>
public sealed record ActionOutcome<T>(T? Value, string? Denied = null, string? Invalid = null)
{
    public static ActionOutcome<T> Deny(string reason) => new(default, Denied: reason);

    public static ActionOutcome<T> Refuse(string reason) => new(default, Invalid: reason);
}

/// <summary>
/// What every action does first and last: checks the user's role on the server, and writes the action — done,
/// refused or denied — to the audit log with its actor. The actions (<see cref="ProbeActions"/>,
/// <see cref="PlatformActions"/>, <see cref="ApiKeyActions"/>) are the one way each thing is done, whichever way it
/// comes (REST, hub, a page's button); pages show what a role may not do as disabled, but enforcement is here.
/// </summary>
public sealed class ActionGuard(AuditLog audit, TimeProvider time)
{
    /// <summary>Ids and names from a request are at most this long in the log.</summary>
    private const int MaxTargetLength = 200;

    /// <summary>Denied attempts of one actor and action within this long are one entry, its count written with the next one.</summary>
    public static readonly TimeSpan DenialWindow = AuditFolding.Window;

    private readonly AuditFolding _folding = new(time);

    /// <summary>Null when <paramref name="user"/> may; else the reason, and the denied attempt is audited (folded per minute).</summary>
    public async Task<string?> DenyAsync(ClaimsPrincipal user, DashboardRole needed, AuditAction action, string target, string? detail = null)
    {
        if (DashboardPrincipal.Denial(user, needed) is not { } reason)
        {
            return null;
        }

        var message = detail is null ? reason : $"{detail}: {reason}";
        await RecordFoldedAsync(user, action, target, AuditOutcomes.Denied, message, "denied");
        return reason;
    }

    /// <summary>
    /// An attempt a guardrail refused (a Run now while the probe cools down): audited like a denial, the attempts of one
    /// actor on one target folded into one entry a minute.
    /// </summary>
    public Task RecordRefusalAsync(ClaimsPrincipal user, AuditAction action, string target, string message) =>
        RecordFoldedAsync(user, action, target, AuditOutcomes.Refused, message, "refused", foldByTarget: true);

    private async Task RecordFoldedAsync(ClaimsPrincipal user, AuditAction action, string target, string outcome, string message, string verb, bool foldByTarget = false)
    {
        var actor = DashboardPrincipal.ActorOf(user);
        var verdict = _folding.Admit(foldByTarget ? $"{outcome}\n{actor.Id}\n{action}\n{target}" : $"{outcome}\n{actor.Id}\n{action}");
        if (verdict.Write)
        {
            await RecordAsync(user, action, target, outcome,
                verdict.FoldedBefore > 0 ? $"{message} ({verdict.FoldedBefore} more {verb} in the minute before)" : message);
        }
    }

    public Task RecordAsync(ClaimsPrincipal user, AuditAction action, string target, string outcome, string? message) =>
        audit.RecordAsync(DashboardPrincipal.ActorOf(user), action, target.Length <= MaxTargetLength ? target : target[..MaxTargetLength] + "…", outcome, message,
            CancellationToken.None);
}
