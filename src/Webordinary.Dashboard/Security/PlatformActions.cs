using System.Security.Claims;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Sandbox;

namespace Webordinary.Dashboard.Security;

/// <summary>Changes to the platform: scaling (Admins), pausing schedules (Operators), sandbox faults (Admins).</summary>
public sealed class PlatformActions(ServiceScaler scaler, ScaleSchedules schedules, ActionGuard guard, FaultInjector? faults = null)
{
    public const DashboardRole ScaleRole = DashboardRole.Admin;
    public const DashboardRole ScheduleRole = DashboardRole.Operator;
    public const DashboardRole FaultRole = DashboardRole.Admin;

    /// <summary>The scaler audits the change (and a guardrail's refusal) itself; a denial is audited here.</summary>
    public async Task<ActionOutcome<ScaleRequestResult>> ScaleAsync(ClaimsPrincipal user, string service, int desiredCount, CancellationToken cancellationToken)
    {
        if (await guard.DenyAsync(user, ScaleRole, AuditAction.Scale, service, $"to {desiredCount}") is { } denied)
        {
            return ActionOutcome<ScaleRequestResult>.Deny(denied);
        }

        // Once asked for, a change is seen through even if the caller goes away: a half-made change would go untracked.
        return new(await scaler.RequestAsync(service, desiredCount, ScaleReason.Manual, DashboardPrincipal.ActorOf(user), CancellationToken.None));
    }

    /// <returns>False when there is no such schedule.</returns>
    public async Task<ActionOutcome<bool>> SetSchedulePausedAsync(ClaimsPrincipal user, string schedule, bool paused, CancellationToken cancellationToken)
    {
        var action = paused ? AuditAction.SchedulePause : AuditAction.ScheduleResume;
        if (await guard.DenyAsync(user, ScheduleRole, action, schedule) is { } denied)
        {
            return ActionOutcome<bool>.Deny(denied);
        }

        var found = await schedules.SetPausedAsync(schedule, paused, CancellationToken.None);
        await guard.RecordAsync(user, action, schedule, found ? AuditOutcomes.Done : AuditOutcomes.Refused, found ? null : "No such schedule.");
        return new(found);
    }

    /// <summary>Sandbox mode only.</summary>
    public async Task<ActionOutcome<FaultSetting>> SetFaultAsync(ClaimsPrincipal user, string component, FaultSetting setting, CancellationToken cancellationToken)
    {
        var description = setting.Mode switch
        {
            FaultMode.Slow => $"slow {setting.LatencyMs} ms",
            FaultMode.Errors => $"errors {setting.ErrorRate:P0}",
            _ => setting.Mode.ToString().ToLowerInvariant(),
        };
        if (await guard.DenyAsync(user, FaultRole, AuditAction.SandboxFault, component, description) is { } denied)
        {
            return ActionOutcome<FaultSetting>.Deny(denied);
        }

        var refusal = faults is null ? "Faults exist only on the sandbox platform."
            : !SandboxComponents.IsKnown(component) ? $"No sandbox component '{component}'."
            : FaultInjector.Validate(component, setting);
        if (refusal is not null)
        {
            await guard.RecordAsync(user, AuditAction.SandboxFault, component, AuditOutcomes.Refused, refusal);
            return ActionOutcome<FaultSetting>.Refuse(refusal);
        }

        faults!.Set(component, setting);
        await guard.RecordAsync(user, AuditAction.SandboxFault, component, AuditOutcomes.Done, description);
        return new(setting);
    }
}
