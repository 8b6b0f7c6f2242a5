namespace Webordinary.Dashboard.Platform;

public sealed record EcsCluster(string Name, string Arn, string Status, int ActiveServicesCount, int RunningTasksCount, int PendingTasksCount);

public sealed record EcsDeployment(string Id, string Status, string? RolloutState, int DesiredCount, int RunningCount, int PendingCount, DateTimeOffset? CreatedAt);

public sealed record EcsServiceEvent(DateTimeOffset CreatedAt, string Message);

public sealed record EcsService(
    string Name,
    string Arn,
    string ClusterArn,
    string Status,
    int DesiredCount,
    int RunningCount,
    int PendingCount,
    IReadOnlyList<EcsDeployment> Deployments,
    IReadOnlyList<EcsServiceEvent> Events);

public sealed record EcsTask(string Arn, string LastStatus, string DesiredStatus, string? HealthStatus, DateTimeOffset? StartedAt, string? StoppedReason);

/// <summary>The ECS operations the dashboard uses (awsJson1_1 <c>AmazonEC2ContainerServiceV20141113.*</c>).</summary>
public interface IEcsClient
{
    /// <exception cref="PlatformResourceNotFoundException">The cluster does not exist.</exception>
    Task<EcsCluster> DescribeClusterAsync(string cluster, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListServicesAsync(string cluster, CancellationToken cancellationToken);

    /// <exception cref="PlatformResourceNotFoundException">The service is not in the cluster.</exception>
    Task<EcsService> DescribeServiceAsync(string cluster, string service, CancellationToken cancellationToken);

    Task<EcsService> UpdateDesiredCountAsync(string cluster, string service, int desiredCount, CancellationToken cancellationToken);

    Task<IReadOnlyList<EcsTask>> ListServiceTasksAsync(string cluster, string service, CancellationToken cancellationToken);
}
