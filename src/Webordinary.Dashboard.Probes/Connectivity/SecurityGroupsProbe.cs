using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>
/// Security-group posture (the team's report: "ALB should only allow outbound to service ports; services should
/// only accept from the ALB security group"). Reads the Hermes service's groups (its awsvpc configuration) and
/// the ALB's (the load balancer of <c>Aws:TargetGroup</c>), then checks every rule. Fail, naming each offending
/// rule, when the service's groups accept anything but the ALB's group on the service ports (the container port,
/// and the health-check port when it differs), any ingress reaches the tasks from <c>0.0.0.0/0</c> or <c>::/0</c>,
/// or the ALB's egress reaches more than the service ports (a TCP egress to another security group is another service
/// behind the same ALB, the dashboard beside Hermes: that service's own check judges it). Degraded for rules it cannot attribute: another group
/// or a prefix list that the service accepts traffic from.
/// </summary>
public sealed class SecurityGroupsProbe(ProbeDefinition definition, ServiceMonitor services, IElbClient elb, IEc2Client ec2, IOptions<AwsOptions> aws) : IProbe
{
    public const string KindName = "SecurityGroups";

    public string Id => definition.Id;

    public string Kind => KindName;

    private sealed record Groups(IReadOnlyList<string> Service, IReadOnlyList<string> Alb, IReadOnlyList<int> ServicePorts);

    public async Task RunAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var target = aws.Value;
        var groups = await context.StepAsync("Find the service's and the ALB's groups", async step =>
        {
            var service = await services.GetServiceAsync(target.Service, step.CancellationToken);
            StepScope.Check(service.SecurityGroups is { Count: > 0 },
                $"{service.Name} has no security groups in its awsvpc network configuration: there is nothing that limits who reaches its tasks.");
            var targetGroup = await elb.DescribeTargetGroupAsync(target.TargetGroup, step.CancellationToken);
            var binding = service.LoadBalancers?.FirstOrDefault(b => b.TargetGroupArn == targetGroup.Arn) ?? service.LoadBalancers?.FirstOrDefault();
            var containerPort = binding is { ContainerPort: > 0 } ? binding.ContainerPort : targetGroup.Port;
            List<int> ports = [containerPort];
            if (int.TryParse(targetGroup.HealthCheckPort, out var healthPort) && healthPort != containerPort)
            {
                ports.Add(healthPort);
            }

            var balancers = (await elb.DescribeLoadBalancersAsync(step.CancellationToken)).Where(b => targetGroup.LoadBalancerArns.Contains(b.Arn)).ToList();
            StepScope.Check(balancers.Count > 0, $"Target group {targetGroup.Name} is not attached to a load balancer.");
            var albGroups = balancers.SelectMany(b => b.SecurityGroups ?? []).Distinct().ToList();
            StepScope.Check(albGroups.Count > 0, $"{string.Join(", ", balancers.Select(b => b.Name))} has no security groups.");
            step.Detail = $"{service.Name}: {string.Join(", ", service.SecurityGroups!)} (port {string.Join(", ", ports)}); "
                + $"{string.Join(", ", balancers.Select(b => b.Name))}: {string.Join(", ", albGroups)}";
            return new Groups(service.SecurityGroups!, albGroups, ports);
        }, cancellationToken);

        var described = await context.StepAsync("Describe security groups", async step =>
        {
            var found = await ec2.DescribeSecurityGroupsAsync([.. groups.Service.Union(groups.Alb)], step.CancellationToken);
            step.Detail = string.Join("; ", found.Select(g => $"{g.GroupId} ({g.GroupName}): {g.Ingress.Count} in, {g.Egress.Count} out"));
            return found.ToDictionary(g => g.GroupId);
        }, cancellationToken);

        await context.StepAsync("Check the rules", step =>
        {
            var offending = new List<string>();
            var unattributed = new List<string>();
            var ports = groups.ServicePorts;
            foreach (var group in groups.Service.Select(id => described[id]))
            {
                foreach (var rule in group.Ingress)
                {
                    var named = $"{group.GroupId} ingress {rule.Describe(ingress: true)}";
                    if (rule.IsOpenToTheWorld)
                    {
                        offending.Add($"{named} (reaches the tasks from the internet)");
                    }
                    else if (rule.PeerKind == SecurityGroupPeerKind.SecurityGroup && groups.Alb.Contains(rule.Peer))
                    {
                        if (!rule.OnlyPorts(ports))
                        {
                            offending.Add($"{named} (the ALB's group on more than port {string.Join(", ", ports)})");
                        }
                    }
                    else if (rule.PeerKind is SecurityGroupPeerKind.Ipv4 or SecurityGroupPeerKind.Ipv6)
                    {
                        offending.Add($"{named} (addresses, not the ALB's group)");
                    }
                    else
                    {
                        unattributed.Add(rule.Peer == group.GroupId ? $"{named} (the group itself)" : named);
                    }
                }
            }

            foreach (var group in groups.Alb.Select(id => described[id]))
            {
                foreach (var rule in group.Egress.Where(r => !r.OnlyPorts(ports) && !ReachesAnotherService(r, groups.Service)))
                {
                    offending.Add($"{group.GroupId} egress {rule.Describe(ingress: false)} (the ALB reaches more than port {string.Join(", ", ports)})");
                }
            }

            step.Detail = offending.Count == 0 && unattributed.Count == 0
                ? $"service groups accept only {string.Join(", ", groups.Alb)} on port {string.Join(", ", ports)}; ALB egress only to port {string.Join(", ", ports)}"
                : $"{offending.Count} offending, {unattributed.Count} not attributable";
            StepScope.Check(offending.Count == 0, $"{offending.Count} offending rule(s): {string.Join("; ", offending)}.");
            if (unattributed.Count > 0)
            {
                step.Degrade($"Cannot attribute {unattributed.Count} rule(s) (not the ALB's group): {string.Join("; ", unattributed)}.");
            }

            context.Summary = step.Detail;
            return Task.CompletedTask;
        }, cancellationToken);
    }

    private static bool ReachesAnotherService(SecurityGroupRule rule, IReadOnlyList<string> serviceGroups) =>
        rule.PeerKind == SecurityGroupPeerKind.SecurityGroup && !serviceGroups.Contains(rule.Peer) && rule.Protocol == "tcp" && rule.FromPort == rule.ToPort;
}
