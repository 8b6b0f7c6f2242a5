using System.Security.Claims;
using Webordinary.Dashboard.Probes.Audit;

namespace Webordinary.Dashboard.Security;

/// <summary>Making and revoking API keys: Admins.</summary>
public sealed class ApiKeyActions(ApiKeyStore keys, ActionGuard guard)
{
    public const DashboardRole KeyRole = DashboardRole.Admin;

    /// <returns>The new key's record and the key itself, to be shown once.</returns>
    public async Task<ActionOutcome<(ApiKeyInfo Key, string Secret)>> CreateAsync(ClaimsPrincipal user, string name, DashboardRole role, CancellationToken cancellationToken)
    {
        if (await guard.DenyAsync(user, KeyRole, AuditAction.ApiKeyCreate, name, role.ToString()) is { } denied)
        {
            return ActionOutcome<(ApiKeyInfo, string)>.Deny(denied);
        }

        var (key, secret, error) = await keys.CreateAsync(name, role, DashboardPrincipal.ActorOf(user), cancellationToken);
        await guard.RecordAsync(user, AuditAction.ApiKeyCreate, name, error is null ? AuditOutcomes.Done : AuditOutcomes.Refused, error ?? $"role {role}");
        return error is null ? new((key!, secret!)) : ActionOutcome<(ApiKeyInfo, string)>.Refuse(error);
    }

    /// <returns>False when there is no such key, or it was revoked already.</returns>
    public async Task<ActionOutcome<bool>> RevokeAsync(ClaimsPrincipal user, string name, CancellationToken cancellationToken)
    {
        if (await guard.DenyAsync(user, KeyRole, AuditAction.ApiKeyRevoke, name) is { } denied)
        {
            return ActionOutcome<bool>.Deny(denied);
        }

        var revoked = await keys.RevokeAsync(name, DashboardPrincipal.ActorOf(user), cancellationToken);
        await guard.RecordAsync(user, AuditAction.ApiKeyRevoke, name, revoked ? AuditOutcomes.Done : AuditOutcomes.Refused, revoked ? null : "No such key, or revoked already.");
        return new(revoked);
    }
}
