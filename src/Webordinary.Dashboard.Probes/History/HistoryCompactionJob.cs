using Microsoft.Extensions.Logging;
using Quartz;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Probes.History;

/// <summary>Rolls up closed hours and days and applies retention, in small batches (see <see cref="IHistoryCompaction"/>).</summary>
[DisallowConcurrentExecution]
public sealed class HistoryCompactionJob(IHistoryCompaction history, ILogger<HistoryCompactionJob> logger) : IJob
{
    public static readonly JobKey Key = new("history-compaction", "maintenance");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var result = await history.CompactAsync(cancellationToken);
            if (result != new CompactionResult(0, 0, 0, 0, 0))
            {
                logger.LogInformation("History compaction: {Result}", result);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "History compaction failed; it is tried again at the next interval");
        }
    }
}
