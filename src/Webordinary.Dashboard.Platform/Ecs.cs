namespace Webordinary.Dashboard.Platform;

public sealed record EcsCluster(string Name, string Arn, string Status, int ActiveServicesCount, int RunningTasksCount, int PendingTasksCount);

public sealed record EcsDeployment(string Id, string Status, string? RolloutState, int DesiredCount, int RunningCount, int PendingCount, DateTimeOffset? CreatedAt);

public sealed record EcsServiceEvent(DateTimeOffset CreatedAt, string Message);

/// <summary>Where a service's tasks receive traffic from: a target group and the container port it sends to.</summary>
public sealed record EcsLoadBalancerBinding(string? TargetGroupArn, string? ContainerName, int ContainerPort);

/// <param name="SecurityGroups">The awsvpc configuration's security groups (empty when the service has none, e.g. bridge mode).</param>
/// <param name="LoadBalancers">The target groups the service registers its tasks with.</param>
public sealed record EcsService(
    string Name,
    string Arn,
    string ClusterArn,
    string Status,
    int DesiredCount,
    int RunningCount,
    int PendingCount,
    IReadOnlyList<EcsDeployment> Deployments,
    IReadOnlyList<EcsServiceEvent> Events,
    IReadOnlyList<string>? SecurityGroups = null,
    IReadOnlyList<EcsLoadBalancerBinding>? LoadBalancers = null);

public sealed record EcsTask(string Arn, string LastStatus, string DesiredStatus, string? HealthStatus, DateTimeOffset? StartedAt, string? StoppedReason);

/// <summary>The ECS operations the dashboard uses (awsJson1_1 <c>AmazonEC2ContainerServiceV20141113.*</c>).</summary>
public interface IEcsClient
{
    /// <exception cref="PlatformResourceNotFoundException">The cluster does not exist.</exception>
    Task<EcsCluster> DescribeClusterAsync(string cluster, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListServicesAsync(string cluster, CancellationToken cancellationToken);

    /// <exception cref="PlatformResourceNotFoundException">The service is not in the cluster.</exception>
    Task<EcsService> DescribeServiceAsync(string cluster, string service, CancellationToken cancellationToken);

    /// <summary>
    /// Several services (names or ARNs) in as few calls as ECS allows (10 a call). Services ECS no longer knows
    /// (deleted since they were listed) are left out.
    /// </summary>
    Task<IReadOnlyList<EcsService>> DescribeServicesAsync(string cluster, IReadOnlyList<string> services, CancellationToken cancellationToken);

    Task<EcsService> UpdateDesiredCountAsync(string cluster, string service, int desiredCount, CancellationToken cancellationToken);

    /// <summary>
    /// The service's tasks that are wanted (desired RUNNING: pending and running) and those on their way out
    /// (desired STOPPED but not stopped yet: stopping, deprovisioning). Tasks already STOPPED are left out.
    /// </summary>
    Task<IReadOnlyList<EcsTask>> ListServiceTasksAsync(string cluster, string service, CancellationToken cancellationToken);
}
