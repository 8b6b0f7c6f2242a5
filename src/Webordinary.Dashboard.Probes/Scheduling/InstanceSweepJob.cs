using Microsoft.Extensions.Logging;
using Quartz;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Probes.Scheduling;

/// <summary>
/// Clustered only: closes as Interrupted the runs of instances that stopped checking in (killed mid-run) and releases
/// the notification claims whose lease ran out, on whichever instance the trigger fires — once in the cluster.
/// </summary>
[DisallowConcurrentExecution]
public sealed class InstanceSweepJob(IResultsStore results, INotificationOutbox outbox, ILogger<InstanceSweepJob> logger) : IJob
{
    public static readonly JobKey Key = new("instance-sweep", "maintenance");

    /// <summary>After a takeover (within three check-ins) the dead instance's runs are closed within this.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await results.CloseRunsOfStoppedInstancesAsync(cancellationToken);
            if (await outbox.ReleaseExpiredClaimsAsync(cancellationToken) is > 0 and var released)
            {
                logger.LogWarning("Released {Count} notification claim(s) whose lease ran out", released);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Closing the runs of stopped instances failed; it is tried again in {Interval}", Interval);
        }
    }
}
