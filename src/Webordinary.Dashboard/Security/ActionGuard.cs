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

    /// <summary>
    /// Denied attempts of one actor and action within this long are one entry, its count written with the next one:
    /// a script that keeps trying cannot bury the log (or grow it) with thousands of rows.
    /// </summary>
    public static readonly TimeSpan DenialWindow = TimeSpan.FromMinutes(1);

    private readonly Dictionary<(string Actor, AuditAction Action), (DateTimeOffset Since, int Folded)> _denials = [];
    private readonly Lock _gate = new();

    /// <summary>Null when <paramref name="user"/> may; else the reason, and the denied attempt is audited.</summary>
    public async Task<string?> DenyAsync(ClaimsPrincipal user, DashboardRole needed, AuditAction action, string target, string? detail = null)
    {
        if (DashboardPrincipal.Denial(user, needed) is not { } reason)
        {
            return null;
        }

        var actor = DashboardPrincipal.ActorOf(user);
        var now = time.GetUtcNow();
        int folded;
        lock (_gate)
        {
            if (_denials.TryGetValue((actor.Id, action), out var last) && now - last.Since < DenialWindow)
            {
                _denials[(actor.Id, action)] = last with { Folded = last.Folded + 1 };
                return reason;
            }

            folded = last.Folded;
            _denials[(actor.Id, action)] = (now, 0);
        }

        var message = detail is null ? reason : $"{detail}: {reason}";
        await RecordAsync(user, action, target, AuditOutcomes.Denied, folded > 0 ? $"{message} ({folded} more denied in the minute before)" : message);
        return reason;
    }

    public Task RecordAsync(ClaimsPrincipal user, AuditAction action, string target, string outcome, string? message) =>
        audit.RecordAsync(DashboardPrincipal.ActorOf(user), action, target.Length <= MaxTargetLength ? target : target[..MaxTargetLength] + "…", outcome, message,
            CancellationToken.None);
}
