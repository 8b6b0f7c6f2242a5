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
        return platform.DescribeService(cluster, service);
    }

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
}

/// <summary>The sandbox clients, for tests that wrap one of them.</summary>
public static class SandboxClients
{
    public static IDynamoDbClient DynamoDb(SandboxPlatform platform, FaultInjector faults) => new SandboxDynamoDbClient(platform, faults);
}
