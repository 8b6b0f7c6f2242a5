using System.Collections.Concurrent;
using System.Globalization;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>ELBv2 over awsQuery (<c>Version=2015-12-01</c>, XML replies).</summary>
public sealed class ElbClient(AwsTransport transport) : IElbClient
{
    private const string Version = "2015-12-01";
    private readonly ConcurrentDictionary<string, string> _arnsByName = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<LoadBalancer>> DescribeLoadBalancersAsync(CancellationToken cancellationToken)
    {
        var result = new List<LoadBalancer>();
        string? marker = null;
        do
        {
            var parameters = new List<KeyValuePair<string, string>>();
            if (marker is not null)
            {
                parameters.Add(new("Marker", marker));
            }

            var root = QueryXml.Parse(await CallAsync("DescribeLoadBalancers", parameters, cancellationToken));
            result.AddRange(QueryXml.Members(root, "LoadBalancers").Select(lb => new LoadBalancer(
                QueryXml.Value(lb, "LoadBalancerName") ?? "", QueryXml.Value(lb, "LoadBalancerArn") ?? "", QueryXml.Value(lb, "DNSName") ?? "",
                QueryXml.Value(lb, "State", "Code") ?? "", QueryXml.Value(lb, "Type") ?? "",
                [.. QueryXml.Members(lb, "SecurityGroups").Select(m => m.Value)])));
            marker = QueryXml.Value(root, "DescribeLoadBalancersResult", "NextMarker");
        }
        while (!string.IsNullOrEmpty(marker));

        return result;
    }

    public async Task<TargetGroup> DescribeTargetGroupAsync(string targetGroup, CancellationToken cancellationToken)
    {
        var parameter = IsArn(targetGroup) ? "TargetGroupArns.member.1" : "Names.member.1";
        var root = QueryXml.Parse(await CallAsync("DescribeTargetGroups", [new(parameter, targetGroup)], cancellationToken));
        var group = QueryXml.Members(root, "TargetGroups").FirstOrDefault()
            ?? throw new PlatformResourceNotFoundException("elb", "DescribeTargetGroups", "TargetGroupNotFound", targetGroup, "One or more target groups not found");
        var found = new TargetGroup(QueryXml.Value(group, "TargetGroupName") ?? "", QueryXml.Value(group, "TargetGroupArn") ?? "",
            QueryXml.Value(group, "Protocol") ?? "", int.TryParse(QueryXml.Value(group, "Port"), CultureInfo.InvariantCulture, out var port) ? port : 0,
            QueryXml.Value(group, "HealthCheckPath"), [.. QueryXml.Members(group, "LoadBalancerArns").Select(m => m.Value)],
            QueryXml.Value(group, "HealthCheckPort") ?? "traffic-port");
        _arnsByName[found.Name] = found.Arn;
        return found;
    }

    public async Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroup, CancellationToken cancellationToken)
    {
        var arn = await ArnOfAsync(targetGroup, cancellationToken);
        try
        {
            return await DescribeTargetHealthByArnAsync(arn, cancellationToken);
        }
        catch (PlatformResourceNotFoundException) when (!IsArn(targetGroup) && _arnsByName.TryRemove(new(targetGroup, arn)))
        {
            // The group was deleted and made again under the same name: its ARN changed. Look it up once more.
            return await DescribeTargetHealthByArnAsync((await DescribeTargetGroupAsync(targetGroup, cancellationToken)).Arn, cancellationToken);
        }
    }

    private async Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthByArnAsync(string arn, CancellationToken cancellationToken)
    {
        var root = QueryXml.Parse(await CallAsync("DescribeTargetHealth", [new("TargetGroupArn", arn)], cancellationToken));
        return [.. QueryXml.Members(root, "TargetHealthDescriptions").Select(d => new TargetHealth(
            QueryXml.Value(d, "Target", "Id") ?? "",
            int.TryParse(QueryXml.Value(d, "Target", "Port"), CultureInfo.InvariantCulture, out var port) ? port : 0,
            QueryXml.Value(d, "TargetHealth", "State") ?? "unknown",
            QueryXml.Value(d, "TargetHealth", "Reason"),
            QueryXml.Value(d, "TargetHealth", "Description")))];
    }

    /// <summary>DescribeTargetHealth takes only an ARN; a configured name is looked up once (and again when that ARN is gone).</summary>
    private async Task<string> ArnOfAsync(string targetGroup, CancellationToken cancellationToken) =>
        IsArn(targetGroup) ? targetGroup
        : _arnsByName.TryGetValue(targetGroup, out var arn) ? arn
        : (await DescribeTargetGroupAsync(targetGroup, cancellationToken)).Arn;

    private static bool IsArn(string value) => value.StartsWith("arn:", StringComparison.Ordinal);

    private Task<string> CallAsync(string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        var list = parameters.ToList();
        return transport.SendAsync(AwsService.Elb, action, endpoint => AwsTransport.QueryRequest(endpoint, action, Version, list), cancellationToken);
    }
}
