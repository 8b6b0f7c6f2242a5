using System.Text.Json.Nodes;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>EFS over rest-json (<c>GET /2015-02-01/…</c>).</summary>
public sealed class EfsClient(AwsTransport transport) : IEfsClient
{
    public async Task<EfsFileSystem> DescribeFileSystemAsync(string fileSystemId, CancellationToken cancellationToken)
    {
        var reply = await GetAsync("DescribeFileSystems", $"2015-02-01/file-systems?FileSystemId={Uri.EscapeDataString(fileSystemId)}", cancellationToken);
        var found = reply["FileSystems"]?.AsArray().FirstOrDefault()
            ?? throw new PlatformResourceNotFoundException("efs", "DescribeFileSystems", "FileSystemNotFound", fileSystemId, $"File system '{fileSystemId}' does not exist.", 404);
        return new EfsFileSystem(found["FileSystemId"]!.GetValue<string>(), found["Name"]?.GetValue<string>(),
            found["LifeCycleState"]?.GetValue<string>() ?? "unknown", found["NumberOfMountTargets"]?.GetValue<int>() ?? 0);
    }

    public async Task<IReadOnlyList<EfsMountTarget>> DescribeMountTargetsAsync(string fileSystemId, CancellationToken cancellationToken)
    {
        var targets = new List<EfsMountTarget>();
        string? marker = null;
        do
        {
            var path = $"2015-02-01/mount-targets?FileSystemId={Uri.EscapeDataString(fileSystemId)}" + (marker is null ? "" : $"&Marker={Uri.EscapeDataString(marker)}");
            var reply = await GetAsync("DescribeMountTargets", path, cancellationToken);
            targets.AddRange(reply["MountTargets"]?.AsArray().Select(t => new EfsMountTarget(
                t!["MountTargetId"]!.GetValue<string>(), t["SubnetId"]?.GetValue<string>() ?? "", t["AvailabilityZoneName"]?.GetValue<string>(),
                t["LifeCycleState"]?.GetValue<string>() ?? "unknown", t["IpAddress"]?.GetValue<string>())) ?? []);
            marker = reply["NextMarker"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(marker));

        return targets;
    }

    private async Task<JsonNode> GetAsync(string operation, string relative, CancellationToken cancellationToken)
    {
        var reply = await transport.SendAsync(AwsService.Efs, operation, endpoint => new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, relative)), cancellationToken);
        return JsonNode.Parse(string.IsNullOrWhiteSpace(reply) ? "{}" : reply) ?? new JsonObject();
    }
}
