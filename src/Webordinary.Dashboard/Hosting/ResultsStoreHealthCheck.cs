using Microsoft.Extensions.Diagnostics.HealthChecks;
using Webordinary.Dashboard.Probes.Store;

namespace Webordinary.Dashboard.Hosting;

/// <summary>The dashboard's own health: its results database answers.</summary>
internal sealed class ResultsStoreHealthCheck(IResultsStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CountRunsAsync("", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception)
        {
            return HealthCheckResult.Unhealthy("The results database does not answer.", exception);
        }
    }
}
