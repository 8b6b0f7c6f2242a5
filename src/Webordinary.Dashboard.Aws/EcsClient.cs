using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>ECS over awsJson1_1 (<c>X-Amz-Target: AmazonEC2ContainerServiceV20141113.{Op}</c>), only what the dashboard uses.</summary>
public sealed class EcsClient(AwsTransport transport) : IEcsClient
{
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

    public async Task<IReadOnlyList<string>> ListServicesAsync(string cluster, CancellationToken cancellationToken)
    {
        var arns = new List<string>();
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["cluster"] = cluster, ["maxResults"] = 100 };
            if (nextToken is not null)
            {
                request["nextToken"] = nextToken;
            }

            var reply = await CallAsync("ListServices", request, cancellationToken);
            arns.AddRange(reply["serviceArns"]?.AsArray().Select(a => a!.GetValue<string>()) ?? []);
            nextToken = reply["nextToken"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(nextToken));

        return arns;
    }

    public async Task<EcsService> DescribeServiceAsync(string cluster, string service, CancellationToken cancellationToken)
    {
        var reply = await CallAsync("DescribeServices", new JsonObject { ["cluster"] = cluster, ["services"] = new JsonArray(service) }, cancellationToken);
        ThrowOnFailure(reply, "DescribeServices", "ServiceNotFoundException", service);
        var found = reply["services"]?.AsArray().FirstOrDefault()
            ?? throw NotFound("DescribeServices", "ServiceNotFoundException", service, "Service not found.");
        return ToService(found);
    }

    public async Task<EcsService> UpdateDesiredCountAsync(string cluster, string service, int desiredCount, CancellationToken cancellationToken)
    {
        var reply = await CallAsync("UpdateService",
            new JsonObject { ["cluster"] = cluster, ["service"] = service, ["desiredCount"] = desiredCount }, cancellationToken);
        return ToService(reply["service"]!);
    }

    public async Task<IReadOnlyList<EcsTask>> ListServiceTasksAsync(string cluster, string service, CancellationToken cancellationToken)
    {
        var arns = new List<string>();
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["cluster"] = cluster, ["serviceName"] = service };
            if (nextToken is not null)
            {
                request["nextToken"] = nextToken;
            }

            var reply = await CallAsync("ListTasks", request, cancellationToken);
            arns.AddRange(reply["taskArns"]?.AsArray().Select(a => a!.GetValue<string>()) ?? []);
            nextToken = reply["nextToken"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(nextToken));

        var tasks = new List<EcsTask>();
        // DescribeTasks takes at most 100 tasks a call.
        foreach (var chunk in arns.Chunk(100))
        {
            var reply = await CallAsync("DescribeTasks",
                new JsonObject { ["cluster"] = cluster, ["tasks"] = new JsonArray([.. chunk.Select(a => JsonValue.Create(a))]) }, cancellationToken);
            tasks.AddRange(reply["tasks"]?.AsArray().Select(t => new EcsTask(Str(t!, "taskArn"), Str(t!, "lastStatus"), Str(t!, "desiredStatus"),
                t!["healthStatus"]?.GetValue<string>(), Time(t, "startedAt"), t["stoppedReason"]?.GetValue<string>())) ?? []);
        }

        return tasks;
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
        [.. node["events"]?.AsArray().Select(e => new EcsServiceEvent(Time(e!, "createdAt") ?? DateTimeOffset.MinValue, Str(e!, "message"))) ?? []]);

    private static string Str(JsonNode node, string name) => node[name]?.GetValue<string>() ?? "";

    private static int Int(JsonNode node, string name) => node[name] is { } value ? value.GetValue<int>() : 0;

    /// <summary>ECS times are epoch seconds with a fraction.</summary>
    private static DateTimeOffset? Time(JsonNode? node, string name) =>
        node?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(value.GetValue<double>() * 1000))
            : null;
}
