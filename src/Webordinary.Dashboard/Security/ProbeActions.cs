using System.Security.Claims;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Security;

/// <summary>Run now and Run all: Operators and Admins.</summary>
public sealed class ProbeActions(IProbeTriggers triggers, ActionGuard guard)
{
    public const DashboardRole RunRole = DashboardRole.Operator;

    public async Task<ActionOutcome<RunRequestResult>> RunNowAsync(ClaimsPrincipal user, string probeId, CancellationToken cancellationToken)
    {
        if (await guard.DenyAsync(user, RunRole, AuditAction.RunNow, probeId) is { } denied)
        {
            return ActionOutcome<RunRequestResult>.Deny(denied);
        }

        var result = await triggers.RunNowAsync(probeId, cancellationToken);
        if (result.Status == RunRequestStatus.Accepted)
        {
            await guard.RecordAsync(user, AuditAction.RunNow, result.ProbeId, AuditOutcomes.Done, Describe(result));
        }
        else
        {
            await guard.RecordRefusalAsync(user, AuditAction.RunNow, result.ProbeId, Describe(result));
        }

        return new(result);
    }

    public async Task<ActionOutcome<IReadOnlyList<RunRequestResult>>> RunAllAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await guard.DenyAsync(user, RunRole, AuditAction.RunAll, "all") is { } denied)
        {
            return ActionOutcome<IReadOnlyList<RunRequestResult>>.Deny(denied);
        }

        var results = await triggers.RunAllAsync(cancellationToken);
        var started = results.Where(r => r.Status == RunRequestStatus.Accepted).Select(r => r.ProbeId).ToList();
        var skipped = results.Where(r => r.Status != RunRequestStatus.Accepted).Select(r => r.ProbeId).ToList();
        var message = $"Started {started.Count}{List(started)}; {skipped.Count} cooling down{List(skipped)}.";
        await (started.Count > 0
            ? guard.RecordAsync(user, AuditAction.RunAll, "all", AuditOutcomes.Done, message)
            : guard.RecordRefusalAsync(user, AuditAction.RunAll, "all", message));
        return new(results);
    }

    private static string List(IReadOnlyList<string> probes) => probes.Count > 0 ? $" ({string.Join(", ", probes)})" : "";

    private static string Describe(RunRequestResult result) => result.Status switch
    {
        RunRequestStatus.Accepted => $"run {result.RunId}",
        RunRequestStatus.CoolingDown => $"cooling down for {Math.Ceiling(result.RetryAfter?.TotalSeconds ?? 1):0} s",
        RunRequestStatus.Disabled => "disabled in configuration",
        _ => "no such probe",
    };
}
