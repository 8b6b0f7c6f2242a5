namespace Webordinary.Dashboard.Platform;

public sealed record EfsFileSystem(string FileSystemId, string? Name, string LifeCycleState, int NumberOfMountTargets);

public sealed record EfsMountTarget(string MountTargetId, string SubnetId, string? AvailabilityZoneName, string LifeCycleState, string? IpAddress);

/// <summary>The EFS operations the dashboard uses (rest-json, <c>/2015-02-01/...</c>).</summary>
public interface IEfsClient
{
    /// <exception cref="PlatformResourceNotFoundException">The file system does not exist.</exception>
    Task<EfsFileSystem> DescribeFileSystemAsync(string fileSystemId, CancellationToken cancellationToken);

    Task<IReadOnlyList<EfsMountTarget>> DescribeMountTargetsAsync(string fileSystemId, CancellationToken cancellationToken);
}
