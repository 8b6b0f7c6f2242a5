using System.Security.Claims;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Maintenance;

namespace Webordinary.Dashboard.Security;

/// <summary>Starting and ending maintenance windows: Operators and Admins.</summary>
public sealed class MaintenanceActions(MaintenanceWindows windows, ActionGuard guard)
{
    public const DashboardRole MaintenanceRole = DashboardRole.Operator;

    /// <returns>The window made, or why it could not be (<see cref="MaintenanceResult.Error"/>).</returns>
    public async Task<ActionOutcome<MaintenanceResult>> StartAsync(ClaimsPrincipal user, MaintenanceRequest request, CancellationToken cancellationToken)
    {
        if (await guard.DenyAsync(user, MaintenanceRole, AuditAction.MaintenanceStart, "maintenance", request.Reason) is { } denied)
        {
            return ActionOutcome<MaintenanceResult>.Deny(denied);
        }

        var result = await windows.AddAsync(request, DashboardPrincipal.ActorOf(user).ToString(), CancellationToken.None);
        await guard.RecordAsync(user, AuditAction.MaintenanceStart, result.Window?.Id ?? "maintenance", result.Window is null ? AuditOutcomes.Refused : AuditOutcomes.Done,
            result.Error ?? Describe(result.Window!));
        return new(result);
    }

    public async Task<ActionOutcome<MaintenanceWindows.EndResult>> EndAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken)
    {
        if (await guard.DenyAsync(user, MaintenanceRole, AuditAction.MaintenanceEnd, id) is { } denied)
        {
            return ActionOutcome<MaintenanceWindows.EndResult>.Deny(denied);
        }

        var result = await windows.EndAsync(id, DashboardPrincipal.ActorOf(user).ToString(), CancellationToken.None);
        await guard.RecordAsync(user, AuditAction.MaintenanceEnd, id, result == MaintenanceWindows.EndResult.Ended ? AuditOutcomes.Done : AuditOutcomes.Refused,
            result == MaintenanceWindows.EndResult.Ended ? null : result.ToString());
        return new(result);
    }

    private static string Describe(MaintenanceWindow window)
    {
        var scope = window.Scope.IsGlobal ? "everything"
            : string.Join(", ", window.Scope.Probes.Concat(window.Scope.Components.Select(c => c.ToString())));
        return $"{scope} until {window.EndsAt:yyyy-MM-dd HH:mm} UTC: {window.Reason}";
    }
}
