using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage;

/// <summary>
/// While writes wait in memory (the store could not take them), tries to write them every <see cref="RetryInterval"/>,
/// so a short disk-full, lock or database restart loses nothing and the store is healthy again soon after.
/// </summary>
public sealed class StoreFlusher(IStore store, StartupLoads loads, TimeProvider time, ILogger<StoreFlusher> logger) : BackgroundService
{
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RetryInterval, time);
        while (await NextTickAsync(timer, stoppingToken))
        {
            if (store.Health is { Healthy: true, Pending: 0 } && loads.Waiting.Count == 0)
            {
                continue;
            }

            try
            {
                // The waiting writes first (the schema, runs closed at start), then what start-up could not read.
                if (await store.FlushAsync(stoppingToken))
                {
                    await loads.RetryAsync(stoppingToken);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "Writing the results kept in memory failed");
            }
        }
    }

    /// <summary>False once the app stops (also when it stops because its start failed, before StopAsync).</summary>
    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // One last try, so a store that came back just before the stop keeps what was waiting.
        if (store.Health.Pending > 0)
        {
            await store.FlushAsync(CancellationToken.None);
        }
    }
}
