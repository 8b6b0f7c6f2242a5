using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Probes.Scaling;

/// <summary>
/// Reads the cluster's services from ECS at <see cref="ScalingOptions.PollInterval"/> (every
/// <see cref="ScalingOptions.RolloutPollInterval"/> while anything is starting or stopping, or right away after
/// a change), advances the rollouts in flight, and publishes the result on the <see cref="ServiceStatusFeed"/>.
/// </summary>
internal sealed class ServiceMonitor(
    IEcsClient ecs,
    IElbClient elb,
    IOptions<AwsOptions> aws,
    IOptions<ScalingOptions> scaling,
    ServiceScaler scaler,
    ServiceStatusFeed feed,
    TimeProvider time,
    ILogger<ServiceMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = await PollOnceAsync(stoppingToken);
            await feed.WaitForRefreshAsync(busy ? scaling.Value.RolloutPollInterval : scaling.Value.PollInterval, time, stoppingToken);
        }
    }

    /// <returns>True while something is moving, so the next read comes sooner.</returns>
    internal async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        var target = aws.Value;
        try
        {
            var arns = await ecs.ListServicesAsync(target.Cluster, cancellationToken);
            var states = new List<ServiceState>();
            foreach (var arn in arns.Order(StringComparer.Ordinal))
            {
                var service = await ecs.DescribeServiceAsync(target.Cluster, arn, cancellationToken);
                IReadOnlyList<TargetHealth>? targets = null;
                if (service.Name == target.Service)
                {
                    targets = await TryTargetsAsync(target.TargetGroup, cancellationToken);
                }

                var scalable = scaler.IsAllowListed(service.Name, out var max);
                var tasks = service.RunningCount + service.PendingCount > 0 ? await TryTasksAsync(target.Cluster, service.Name, cancellationToken) : [];
                states.Add(new ServiceState(service, targets, scalable, max, scaler.InFlight(service.Name), tasks));
            }

            var rollouts = await scaler.ObserveAsync(states, cancellationToken);
            states = [.. states.Select(s => s with { Rollout = rollouts.GetValueOrDefault(s.Service.Name) })];
            feed.Publish(new ServicesSnapshot(states, time.GetUtcNow(), null));
            return scaler.AnyInFlight || states.Any(s => !s.IsSteady);
        }
        catch (PlatformCallException exception)
        {
            logger.LogWarning("Reading the services failed: {Error}", exception.Message);
            feed.Publish(feed.Current with { Error = $"{exception.ErrorCode}: {exception.ErrorMessage}" + (exception.RequestId is null ? "" : $" (request {exception.RequestId})") });
            return scaler.AnyInFlight;
        }
    }

    /// <summary>Task health is shown when ECS gives it; without it the counts still show.</summary>
    private async Task<IReadOnlyList<EcsTask>?> TryTasksAsync(string cluster, string service, CancellationToken cancellationToken)
    {
        try
        {
            return await ecs.ListServiceTasksAsync(cluster, service, cancellationToken);
        }
        catch (PlatformCallException exception)
        {
            logger.LogDebug("Tasks of {Service} unavailable: {Error}", service, exception.Message);
            return null;
        }
    }

    /// <summary>Targets explain a rollout but are not essential: without them the counts still show.</summary>
    private async Task<IReadOnlyList<TargetHealth>?> TryTargetsAsync(string targetGroup, CancellationToken cancellationToken)
    {
        try
        {
            return await elb.DescribeTargetHealthAsync(targetGroup, cancellationToken);
        }
        catch (PlatformCallException exception)
        {
            logger.LogDebug("Target health unavailable: {Error}", exception.Message);
            return null;
        }
    }
}
