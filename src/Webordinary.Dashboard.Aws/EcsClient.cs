using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>ECS over awsJson1_1 (<c>X-Amz-Target: AmazonEC2ContainerServiceV20141113.{Op}</c>), only what the dashboard uses.</summary>
public sealed class EcsClient(AwsTransport transport) : IEcsClient
{
    /// <summary>DescribeServices takes at most this many services a call.</summary>
    public const int DescribeServicesBatch = 10;

    private const string TargetPrefix = "AmazonEC2ContainerServiceV20141113.";

    public async Task<EcsCluster> DescribeClusterAsync(string cluster, CancellationToken cancellationToken)
    {
        var reply = await CallAsync("DescribeClusters", new JsonObject { ["clusters"] = new JsonArray(cluster) }, cancellationToken);
        ThrowOnFailure(reply, "DescribeClusters", "ClusterNotFoundException", cluster);
        var found = reply["clusters"]!.AsArray().FirstOrDefault()
            ?? throw NotFound("DescribeClusters", "ClusterNotFoundException", cluster, "Cluster not found.");
        return new EcsCluster(Str(found, "clusterName"), Str(found, "clusterArn"), Str(found, "status"),
            Int(found, "activeServicesCount"), Int(found, "runningTasksCount"), Int(found, "pendingTasksCount"));
    }

    public Task<IReadOnlyList<string>> ListServicesAsync(string cluster, CancellationToken cancellationToken) =>
        ListAsync("ListServices", "serviceArns", new JsonObject { ["cluster"] = cluster, ["maxResults"] = 100 }, cancellationToken);

    public async Task<EcsService> DescribeServiceAsync(string cluster, string service, CancellationToken cancellationToken)
    {
        var reply = await CallAsync("DescribeServices", new JsonObject { ["cluster"] = cluster, ["services"] = new JsonArray(service) }, cancellationToken);
        ThrowOnFailure(reply, "DescribeServices", "ServiceNotFoundException", service);
        var found = reply["services"]?.AsArray().FirstOrDefault()
            ?? throw NotFound("DescribeServices", "ServiceNotFoundException", service, "Service not found.");
        return ToService(found);
    }

    public async Task<IReadOnlyList<EcsService>> DescribeServicesAsync(string cluster, IReadOnlyList<string> services, CancellationToken cancellationToken)
    {
        var found = new List<EcsService>(services.Count);
        foreach (var batch in services.Chunk(DescribeServicesBatch))
        {
            var reply = await CallAsync("DescribeServices",
                new JsonObject { ["cluster"] = cluster, ["services"] = new JsonArray([.. batch.Select(s => JsonValue.Create(s))]) }, cancellationToken);
            // A service deleted since it was listed comes back in failures[] (MISSING): it is simply not there any more.
            if (reply["failures"]?.AsArray().FirstOrDefault(f => f?["reason"]?.GetValue<string>() != "MISSING") is { } failure)
            {
                throw new PlatformCallException("ecs", "DescribeServices", failure["reason"]?.GetValue<string>() ?? "failure",
                    failure["detail"]?.GetValue<string>() ?? $"{failure["arn"]?.GetValue<string>()}: {failure["reason"]?.GetValue<string>()}", 200);
            }

            found.AddRange(reply["services"]?.AsArray().Select(s => ToService(s!)) ?? []);
        }

        return found;
    }

    public async Task<EcsService> UpdateDesiredCountAsync(string cluster, string service, int desiredCount, CancellationToken cancellationToken)
    {
        var reply = await CallAsync("UpdateService",
            new JsonObject { ["cluster"] = cluster, ["service"] = service, ["desiredCount"] = desiredCount }, cancellationToken);
        return ToService(reply["service"]!);
    }

    public async Task<IReadOnlyList<EcsTask>> ListServiceTasksAsync(string cluster, string service, CancellationToken cancellationToken)
    {
        // Without desiredStatus ListTasks lists only tasks ECS wants running: the stopping ones would vanish.
        var wanted = await ListAsync("ListTasks", "taskArns",
            new JsonObject { ["cluster"] = cluster, ["serviceName"] = service, ["desiredStatus"] = "RUNNING" }, cancellationToken);
        var leaving = await ListAsync("ListTasks", "taskArns",
            new JsonObject { ["cluster"] = cluster, ["serviceName"] = service, ["desiredStatus"] = "STOPPED" }, cancellationToken);
        var tasks = new List<EcsTask>();
        // DescribeTasks takes at most 100 tasks a call.
        foreach (var chunk in wanted.Concat(leaving).Distinct(StringComparer.Ordinal).Chunk(100))
        {
            var reply = await CallAsync("DescribeTasks",
                new JsonObject { ["cluster"] = cluster, ["tasks"] = new JsonArray([.. chunk.Select(a => JsonValue.Create(a))]) }, cancellationToken);
            tasks.AddRange(reply["tasks"]?.AsArray().Select(t => new EcsTask(Str(t!, "taskArn"), Str(t!, "lastStatus"), Str(t!, "desiredStatus"),
                t!["healthStatus"]?.GetValue<string>(), Time(t, "startedAt"), t["stoppedReason"]?.GetValue<string>())) ?? []);
        }

        // STOPPED tasks stay listed for an hour; only those still on their way out are the service's.
        return [.. tasks.Where(t => t.LastStatus != "STOPPED")];
    }

    private async Task<IReadOnlyList<string>> ListAsync(string operation, string listName, JsonObject request, CancellationToken cancellationToken)
    {
        var items = new List<string>();
        string? nextToken = null;
        do
        {
            var page = request.DeepClone().AsObject();
            if (nextToken is not null)
            {
                page["nextToken"] = nextToken;
            }

            var reply = await CallAsync(operation, page, cancellationToken);
            items.AddRange(reply[listName]?.AsArray().Select(a => a!.GetValue<string>()) ?? []);
            nextToken = reply["nextToken"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(nextToken));

        return items;
    }

    private async Task<JsonNode> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        var payload = body.ToJsonString();
        var reply = await transport.SendAsync(AwsService.Ecs, operation, endpoint =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
            {
                Content = new StringContent(payload, Encoding.UTF8),
            };
            request.Content.Headers.ContentType = new("application/x-amz-json-1.1");
            request.Headers.Add("X-Amz-Target", TargetPrefix + operation);
            return request;
        }, cancellationToken);
        return JsonNode.Parse(string.IsNullOrWhiteSpace(reply) ? "{}" : reply) ?? new JsonObject();
    }

    /// <summary>ECS answers 200 with <c>failures[]</c> (reason <c>MISSING</c>) for names it does not know.</summary>
    private static void ThrowOnFailure(JsonNode reply, string operation, string code, string resource)
    {
        if (reply["failures"]?.AsArray().FirstOrDefault() is { } failure)
        {
            var reason = failure["reason"]?.GetValue<string>() ?? "failure";
            var detail = failure["detail"]?.GetValue<string>();
            if (reason == "MISSING")
            {
                throw NotFound(operation, code, resource, $"{resource}: MISSING");
            }

            throw new PlatformCallException("ecs", operation, reason, detail ?? $"{resource}: {reason}", 200);
        }
    }

    private static PlatformResourceNotFoundException NotFound(string operation, string code, string resource, string message) =>
        new("ecs", operation, code, resource, message, 400);

    private static EcsService ToService(JsonNode node) => new(
        Str(node, "serviceName"), Str(node, "serviceArn"), Str(node, "clusterArn"), Str(node, "status"),
        Int(node, "desiredCount"), Int(node, "runningCount"), Int(node, "pendingCount"),
        [.. node["deployments"]?.AsArray().Select(d => new EcsDeployment(Str(d!, "id"), Str(d!, "status"), d!["rolloutState"]?.GetValue<string>(),
            Int(d, "desiredCount"), Int(d, "runningCount"), Int(d, "pendingCount"), Time(d, "createdAt"))) ?? []],
        [.. node["events"]?.AsArray().Select(e => new EcsServiceEvent(Time(e!, "createdAt") ?? DateTimeOffset.MinValue, Str(e!, "message"))) ?? []],
        [.. node["networkConfiguration"]?["awsvpcConfiguration"]?["securityGroups"]?.AsArray().Select(g => g!.GetValue<string>()) ?? []],
        [.. node["loadBalancers"]?.AsArray().Select(b => new EcsLoadBalancerBinding(b!["targetGroupArn"]?.GetValue<string>(),
            b["containerName"]?.GetValue<string>(), Int(b, "containerPort"))) ?? []]);

    private static string Str(JsonNode node, string name) => node[name]?.GetValue<string>() ?? "";

    private static int Int(JsonNode node, string name) => node[name] is { } value ? value.GetValue<int>() : 0;

    /// <summary>ECS times are epoch seconds with a fraction.</summary>
    private static DateTimeOffset? Time(JsonNode? node, string name) =>
        node?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(value.GetValue<double>() * 1000))
            : null;
}
