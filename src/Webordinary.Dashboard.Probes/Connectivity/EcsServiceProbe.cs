using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>
/// ECS: the cluster is ACTIVE and the Hermes service runs as many tasks as it wants. Desired 0 is Parked; fewer
/// running than desired is Degraded while some run, Fail when none do (the latest service event says why). The
/// service comes from the services monitor's read when it is recent, so the page and the probe share one ECS read;
/// the cluster is asked every run.
/// </summary>
public sealed class EcsServiceProbe(ProbeDefinition definition, IEcsClient ecs, ServiceMonitor services, IOptions<AwsOptions> aws) : IProbe
{
    public const string KindName = "EcsService";

    public string Id => definition.Id;

    public string Kind => KindName;

    public async Task RunAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var target = aws.Value;
        await context.StepAsync("Describe cluster", async step =>
        {
            var cluster = await ecs.DescribeClusterAsync(target.Cluster, step.CancellationToken);
            StepScope.Check(cluster.Status == "ACTIVE", $"Cluster {cluster.Name} is {cluster.Status}, not ACTIVE.");
            step.Detail = $"{cluster.Name} ACTIVE, {cluster.ActiveServicesCount} service(s), {cluster.RunningTasksCount} task(s) running";
        }, cancellationToken);

        await context.StepAsync("Describe service", async step =>
        {
            var service = await services.GetServiceAsync(target.Service, step.CancellationToken);
            var counts = $"{service.RunningCount}/{service.DesiredCount} running, {service.PendingCount} pending";
            step.Detail = $"{service.Name} {service.Status}: {counts}";
            StepScope.Check(service.Status == "ACTIVE", $"Service {service.Name} is {service.Status}, not ACTIVE.");
            if (service.DesiredCount == 0)
            {
                context.Park($"{service.Name} is parked (desired count 0).");
                return;
            }

            var lastEvent = service.Events.Count > 0 ? $" Last event: {service.Events[0].Message}" : "";
            StepScope.Check(service.RunningCount > 0, $"No task running ({counts}).{lastEvent}");
            if (service.RunningCount < service.DesiredCount)
            {
                step.Degrade($"Only {counts}.{lastEvent}");
            }

            context.Summary = $"{service.Name}: {counts}";
        }, cancellationToken);
    }
}
