namespace Webordinary.Dashboard.Platform;

/// <summary>Target health as ELBv2 reports it: state <c>initial | healthy | unhealthy | unused | draining | unavailable</c>.</summary>
public sealed record TargetHealth(string TargetId, int Port, string State, string? Reason, string? Description);

/// <param name="SecurityGroups">The load balancer's security groups (an ALB's; empty for a network load balancer without any).</param>
public sealed record LoadBalancer(string Name, string Arn, string DnsName, string State, string Type, IReadOnlyList<string>? SecurityGroups = null);

/// <param name="HealthCheckPort">The port the health check uses: <c>traffic-port</c> (the default) or a number.</param>
public sealed record TargetGroup(string Name, string Arn, string Protocol, int Port, string? HealthCheckPath, IReadOnlyList<string> LoadBalancerArns,
    string HealthCheckPort = "traffic-port");

/// <summary>The ELBv2 operations the dashboard uses (awsQuery, <c>Version=2015-12-01</c>).</summary>
public interface IElbClient
{
    Task<IReadOnlyList<LoadBalancer>> DescribeLoadBalancersAsync(CancellationToken cancellationToken);

    /// <param name="targetGroup">Target group name or ARN.</param>
    /// <exception cref="PlatformResourceNotFoundException">The target group does not exist.</exception>
    Task<TargetGroup> DescribeTargetGroupAsync(string targetGroup, CancellationToken cancellationToken);

    /// <param name="targetGroup">Target group name or ARN.</param>
    /// <exception cref="PlatformResourceNotFoundException">The target group does not exist.</exception>
    Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroup, CancellationToken cancellationToken);
}
