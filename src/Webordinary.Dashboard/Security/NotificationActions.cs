using System.Globalization;
using System.Security.Claims;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Audit;

namespace Webordinary.Dashboard.Security;

/// <summary>Send test and Retry of a dead letter: Operators and Admins.</summary>
public sealed class NotificationActions(NotificationCenter center, ActionGuard guard)
{
    public const DashboardRole NotifyRole = DashboardRole.Operator;

    /// <returns>The test message queued; null when there is no such channel (refused).</returns>
    public async Task<ActionOutcome<OutboxEntry?>> SendTestAsync(ClaimsPrincipal user, string channel, CancellationToken cancellationToken)
    {
        if (await guard.DenyAsync(user, NotifyRole, AuditAction.NotificationTest, channel) is { } denied)
        {
            return ActionOutcome<OutboxEntry?>.Deny(denied);
        }

        var entry = await center.SendTestAsync(channel, DashboardPrincipal.ActorOf(user).ToString(), CancellationToken.None);
        await guard.RecordAsync(user, AuditAction.NotificationTest, entry?.Channel ?? channel, entry is null ? AuditOutcomes.Refused : AuditOutcomes.Done,
            entry is null ? "no such channel" : $"test message {entry.Key}");
        return new(entry);
    }

    public async Task<ActionOutcome<RetryResult>> RetryAsync(ClaimsPrincipal user, long id, CancellationToken cancellationToken)
    {
        var target = id.ToString(CultureInfo.InvariantCulture);
        if (await guard.DenyAsync(user, NotifyRole, AuditAction.NotificationRetry, target) is { } denied)
        {
            return ActionOutcome<RetryResult>.Deny(denied);
        }

        var result = await center.RetryAsync(id, CancellationToken.None);
        await guard.RecordAsync(user, AuditAction.NotificationRetry, result.Entry is { } entry ? $"{entry.Channel}: {entry.Key}" : target,
            result.Outcome == RetryOutcome.Retried ? AuditOutcomes.Done : AuditOutcomes.Refused,
            result.Outcome switch
            {
                RetryOutcome.Retried => "dead letter sent again",
                RetryOutcome.NotDead => $"not a dead letter ({result.Entry?.State})",
                _ => "no such message",
            });
        return new(result);
    }
}
