using Microsoft.Extensions.Hosting;
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

/// <summary>The compaction's trigger, written at start by every instance (clustered: into the shared store, where it fires once).</summary>
internal sealed class HistoryCompactionSchedule(ISchedulerFactory schedulers, StartupLoads loads, TimeSpan interval) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => loads.LoadAsync("history compaction schedule", async token =>
    {
        var scheduler = await schedulers.GetScheduler(token);
        await scheduler.AddJob(JobBuilder.Create<HistoryCompactionJob>().WithIdentity(HistoryCompactionJob.Key).StoreDurably().Build(), AddJobOptions.Replacing, token);
        await scheduler.ScheduleJob(TriggerBuilder.Create().ForJob(HistoryCompactionJob.Key).WithIdentity("history-compaction", "maintenance")
            .StartAt(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30))
            .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build(), ScheduleJobOptions.Replacing, token);
    }, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
