using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>
/// Tells a probe whose target does not answer whether Hermes is parked (desired count 0) on purpose. A parked
/// service is not an outage: the probe reports Parked instead of Fail. The answer comes from the services
/// monitor's read when it is recent (one ECS read shared by the page and the probes).
/// </summary>
public sealed class ParkedServiceCheck(ServiceMonitor services, IOptions<AwsOptions> aws)
{
    public string ParkedMessage => $"{aws.Value.Service} is parked (desired count 0).";

    /// <returns>True only when ECS says desired count 0; when ECS cannot tell, the original failure stands.</returns>
    public async Task<bool> IsParkedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var service = await services.GetServiceAsync(aws.Value.Service, cancellationToken);
            return service.DesiredCount == 0;
        }
        catch (PlatformCallException)
        {
            return false;
        }
    }
}
