using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>EFS: the workspace file system is <c>available</c> and has an available mount target in each of its AZs.</summary>
public sealed class EfsFileSystemProbe(ProbeDefinition definition, IEfsClient efs, IOptions<AwsOptions> aws) : IProbe
{
    public const string KindName = "EfsFileSystem";

    public string Id => definition.Id;

    public string Kind => KindName;

    public async Task RunAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var fileSystemId = aws.Value.FileSystemId;
        await context.StepAsync("Describe file system", async step =>
        {
            StepScope.Check(!string.IsNullOrWhiteSpace(fileSystemId), "Aws:FileSystemId is not set: name the workspace file system (fs-…).");
            var fileSystem = await efs.DescribeFileSystemAsync(fileSystemId!, step.CancellationToken);
            step.Detail = $"{fileSystem.FileSystemId} {fileSystem.LifeCycleState}, {fileSystem.NumberOfMountTargets} mount target(s)";
            StepScope.Check(fileSystem.LifeCycleState == "available", $"File system {fileSystem.FileSystemId} is {fileSystem.LifeCycleState}, not available.");
        }, cancellationToken);

        await context.StepAsync("Describe mount targets", async step =>
        {
            var targets = await efs.DescribeMountTargetsAsync(fileSystemId!, step.CancellationToken);
            StepScope.Check(targets.Count > 0, $"File system {fileSystemId} has no mount target: nothing can mount it.");
            var notAvailable = targets.Where(t => t.LifeCycleState != "available").ToList();
            var zones = targets.Where(t => t.LifeCycleState == "available").Select(t => t.AvailabilityZoneName ?? t.SubnetId).Distinct().Order().ToList();
            step.Detail = $"available in {string.Join(", ", zones)}";
            StepScope.Check(zones.Count > 0, $"No mount target is available: {string.Join("; ", notAvailable.Select(t => $"{t.MountTargetId} {t.LifeCycleState}"))}");
            if (notAvailable.Count > 0)
            {
                step.Degrade($"{string.Join("; ", notAvailable.Select(t => $"{t.MountTargetId} ({t.AvailabilityZoneName ?? t.SubnetId}) {t.LifeCycleState}"))}");
            }

            context.Summary = $"{fileSystemId}: mount targets available in {string.Join(", ", zones)}";
        }, cancellationToken);
    }
}
