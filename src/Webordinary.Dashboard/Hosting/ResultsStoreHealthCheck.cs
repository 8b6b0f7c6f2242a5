using Microsoft.Extensions.Diagnostics.HealthChecks;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// The dashboard's own health is its results store's: Unhealthy when runs cannot be written (naming the store and the
/// error, and how many writes wait in memory) or the database does not answer.
/// </summary>
internal sealed class ResultsStoreHealthCheck(IResultsStore results, IStore store, StartupLoads loads) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = store.Health;
        if (!health.Healthy)
        {
            return HealthCheckResult.Unhealthy(
                $"Results are not being stored in {store.Location}: {health.Error} (since {health.FailingSince:u}; {health.Pending} write(s) kept in memory" +
                (health.Dropped > 0 ? $", {health.Dropped} dropped" : "") + ")." + WaitingText(loads));
        }

        if (loads.Waiting.Count > 0)
        {
            return HealthCheckResult.Unhealthy($"The store {store.Location} takes writes again;{WaitingText(loads)}");
        }

        try
        {
            await results.CountRunsAsync("", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception)
        {
            return HealthCheckResult.Unhealthy($"The results database {store.Location} does not answer: {exception.Message}", exception);
        }
    }

    /// <summary>What start-up could not read from the store yet, or nothing.</summary>
    public static string WaitingText(StartupLoads loads) =>
        loads.Waiting is { Count: > 0 } waiting ? $" Waiting for the store to load {string.Join(", ", waiting)}." : "";
}
