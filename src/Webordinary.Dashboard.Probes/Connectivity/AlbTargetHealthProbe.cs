using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>
/// ALB: the Hermes target group has healthy targets. None healthy fails with each unhealthy target's reason
/// (Parked if Hermes is scaled to 0); some unhealthy is Degraded.
/// </summary>
public sealed class AlbTargetHealthProbe(ProbeDefinition definition, IElbClient elb, IOptions<AwsOptions> aws, ParkedServiceCheck parked) : IProbe
{
    public const string KindName = "AlbTargetHealth";

    public string Id => definition.Id;

    public string Kind => KindName;

    public Task RunAsync(ProbeContext context, CancellationToken cancellationToken) =>
        context.StepAsync("Describe target health", async step =>
        {
            var targets = await elb.DescribeTargetHealthAsync(aws.Value.TargetGroup, step.CancellationToken);
            var healthy = targets.Count(t => t.State == "healthy");
            // A target registering (initial) or deregistering (draining) is a rollout or a replacement under way: shown,
            // but neither degraded nor failed while another target serves.
            var unhealthy = targets.Where(t => t.State is not ("healthy" or "initial" or "draining")).ToList();
            var reasons = string.Join("; ", targets.Where(t => t.State != "healthy").Select(t => $"{t.TargetId}:{t.Port} {t.State}" +
                (t.Reason is null ? "" : $" ({t.Reason}{(t.Description is null ? "" : $": {t.Description}")})")));
            step.Detail = targets.Count == 0
                ? "no targets registered"
                : string.Join(", ", targets.GroupBy(t => t.State).Select(g => $"{g.Count()} {g.Key}"));
            if (healthy == 0 && await parked.IsParkedAsync(step.CancellationToken))
            {
                context.Park(parked.ParkedMessage);
                return;
            }

            StepScope.Check(healthy > 0, targets.Count == 0 ? "No targets registered." : $"No healthy target: {reasons}");
            if (unhealthy.Count > 0)
            {
                step.Degrade($"{healthy} healthy, {unhealthy.Count} unhealthy: {reasons}");
            }

            context.Summary = $"{healthy}/{targets.Count} target(s) healthy";
        }, cancellationToken);
}
