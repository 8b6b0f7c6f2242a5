using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Sandbox;

// The sandbox behind the AWS access interfaces: each call first meets its component's injected fault.

internal sealed class SandboxEcsClient(SandboxPlatform platform, FaultInjector faults) : IEcsClient
{
    public async Task<EcsCluster> DescribeClusterAsync(string cluster, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Ecs, "ecs", "DescribeClusters", cancellationToken);
        return platform.DescribeCluster(cluster);
    }

    public async Task<IReadOnlyList<string>> ListServicesAsync(string cluster, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Ecs, "ecs", "ListServices", cancellationToken);
        return platform.ListServices(cluster);
    }

    public async Task<EcsService> DescribeServiceAsync(string cluster, string service, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Ecs, "ecs", "DescribeServices", cancellationToken);
        return WithNetwork(platform.DescribeService(cluster, service));
    }

    public async Task<IReadOnlyList<EcsService>> DescribeServicesAsync(string cluster, IReadOnlyList<string> services, CancellationToken cancellationToken)
    {
        var found = new List<EcsService>();
        foreach (var batch in services.Chunk(10))
        {
            await faults.ApplyAsync(SandboxComponents.Ecs, "ecs", "DescribeServices", cancellationToken);
            foreach (var service in batch)
            {
                try
                {
                    found.Add(WithNetwork(platform.DescribeService(cluster, service)));
                }
                catch (PlatformResourceNotFoundException exception) when (exception.ErrorCode == "ServiceNotFoundException")
                {
                    // As ECS: a service it does not know is a failure entry, not an error.
                }
            }
        }

        return found;
    }

    /// <summary>The Hermes service is reached through the ALB's target group and guarded by its security group, as on AWS.</summary>
    private EcsService WithNetwork(EcsService service) => service.Name == platform.HermesServiceName
        ? service with
        {
            SecurityGroups = [SandboxSecurityGroups.HermesGroupId],
            LoadBalancers = [new EcsLoadBalancerBinding(platform.DescribeTargetGroup(platform.TargetGroupName).Arn, "hermes", SandboxSecurityGroups.HermesPort)],
        }
        : service;

    public async Task<EcsService> UpdateDesiredCountAsync(string cluster, string service, int desiredCount, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Ecs, "ecs", "UpdateService", cancellationToken);
        return platform.UpdateDesiredCount(cluster, service, desiredCount);
    }

    public async Task<IReadOnlyList<EcsTask>> ListServiceTasksAsync(string cluster, string service, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Ecs, "ecs", "ListTasks", cancellationToken);
        return platform.ListServiceTasks(cluster, service);
    }
}

internal sealed class SandboxElbClient(SandboxPlatform platform, FaultInjector faults) : IElbClient
{
    public async Task<IReadOnlyList<LoadBalancer>> DescribeLoadBalancersAsync(CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Alb, "elbv2", "DescribeLoadBalancers", cancellationToken);
        return [platform.LoadBalancer with { SecurityGroups = [SandboxSecurityGroups.AlbGroupId] }];
    }

    public async Task<TargetGroup> DescribeTargetGroupAsync(string targetGroup, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Alb, "elbv2", "DescribeTargetGroups", cancellationToken);
        return platform.DescribeTargetGroup(targetGroup);
    }

    public async Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroup, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Alb, "elbv2", "DescribeTargetHealth", cancellationToken);
        return platform.DescribeTargetHealth(targetGroup);
    }
}

internal sealed class SandboxCloudWatchClient(SandboxPlatform platform, FaultInjector faults) : ICloudWatchClient
{
    public async Task PutMetricDataAsync(string metricNamespace, IReadOnlyList<MetricDatum> data, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.CloudWatch, "cloudwatch", "PutMetricData", cancellationToken);
        platform.PutMetricData(metricNamespace, data);
    }

    public async Task<IReadOnlyList<MetricDatapoint>> GetMetricStatisticsAsync(
        string metricNamespace, string metricName, IReadOnlyDictionary<string, string> dimensions,
        DateTimeOffset start, DateTimeOffset end, TimeSpan period, string statistic, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.CloudWatch, "cloudwatch", "GetMetricStatistics", cancellationToken);
        return platform.GetMetricStatistics(metricNamespace, metricName, dimensions, start, end, period, statistic);
    }
}

internal sealed class SandboxEfsClient(SandboxPlatform platform, FaultInjector faults) : IEfsClient
{
    public async Task<EfsFileSystem> DescribeFileSystemAsync(string fileSystemId, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Efs, "efs", "DescribeFileSystems", cancellationToken);
        return platform.DescribeFileSystem(fileSystemId);
    }

    public async Task<IReadOnlyList<EfsMountTarget>> DescribeMountTargetsAsync(string fileSystemId, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Efs, "efs", "DescribeMountTargets", cancellationToken);
        return platform.DescribeMountTargets(fileSystemId);
    }
}

/// <summary>The sandbox is always reachable.</summary>
internal sealed class SandboxPlatformStatus : IPlatformStatus
{
    public string? Problem => null;
}

internal sealed class SandboxDynamoDbClient(SandboxPlatform platform, FaultInjector faults) : IDynamoDbClient
{
    public async Task<DynamoTableDescription> DescribeTableAsync(string table, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.DynamoDb, "dynamodb", "DescribeTable", cancellationToken);
        return platform.DescribeTable(table);
    }

    public async Task PutItemAsync(string table, IReadOnlyDictionary<string, object> item, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.DynamoDb, "dynamodb", "PutItem", cancellationToken);
        platform.PutItem(table, item);
    }

    public async Task<IReadOnlyDictionary<string, object>?> GetItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.DynamoDb, "dynamodb", "GetItem", cancellationToken);
        return platform.GetItem(table, key);
    }

    public async Task DeleteItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.DynamoDb, "dynamodb", "DeleteItem", cancellationToken);
        platform.DeleteItem(table, key);
    }

    public async Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> QueryAsync(string table, string hashKeyName, object hashKeyValue, int limit, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.DynamoDb, "dynamodb", "Query", cancellationToken);
        return [.. platform.Items(table, item => item.TryGetValue(hashKeyName, out var value) && SandboxPlatform.SameValue(value, hashKeyValue)).Take(limit)];
    }

    public async Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> ScanByPrefixAsync(string table, string attributeName, string prefix, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.DynamoDb, "dynamodb", "Scan", cancellationToken);
        return platform.Items(table, item => item.TryGetValue(attributeName, out var value)
            && (value is string text ? text : value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null)?.StartsWith(prefix, StringComparison.Ordinal) == true);
    }
}

/// <summary>The sandbox clients, for tests that wrap one of them.</summary>
public static class SandboxClients
{
    public static IDynamoDbClient DynamoDb(SandboxPlatform platform, FaultInjector faults) => new SandboxDynamoDbClient(platform, faults);
}
