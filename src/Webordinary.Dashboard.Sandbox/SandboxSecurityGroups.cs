using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Sandbox;

/// <summary>
/// The simulated platform's security groups, as the team's report recommends them: the ALB accepts HTTPS from
/// anywhere and reaches only the Hermes port, and Hermes accepts only the ALB's group on that port. The
/// <see cref="FaultMode.OpenRule"/> fault on <see cref="SandboxComponents.Ec2"/> opens the Hermes port to the world.
/// </summary>
public sealed class SandboxSecurityGroups(FaultInjector faults)
{
    public const string AlbGroupId = "sg-0sandbox0alb";
    public const string HermesGroupId = "sg-0sandbox0hermes";
    public const int HermesPort = 3000;
    private const string VpcId = "vpc-0sandbox";

    /// <summary>The rule the fault adds to the Hermes group.</summary>
    public static readonly SecurityGroupRule OpenRule = new("tcp", HermesPort, HermesPort, SecurityGroupPeerKind.Ipv4, "0.0.0.0/0");

    public IReadOnlyList<SecurityGroup> Describe(IReadOnlyList<string> groupIds)
    {
        var groups = All().ToDictionary(g => g.GroupId);
        return [.. groupIds.Select(id => groups.TryGetValue(id, out var group)
            ? group
            : throw new PlatformResourceNotFoundException("ec2", "DescribeSecurityGroups", "InvalidGroup.NotFound", id,
                $"The security group '{id}' does not exist", 400, FaultInjector.NewRequestId()))];
    }

    private IEnumerable<SecurityGroup> All()
    {
        yield return new SecurityGroup(AlbGroupId, "webordinary-alb", VpcId,
            [new("tcp", 443, 443, SecurityGroupPeerKind.Ipv4, "0.0.0.0/0"), new("tcp", 443, 443, SecurityGroupPeerKind.Ipv6, "::/0")],
            [new("tcp", HermesPort, HermesPort, SecurityGroupPeerKind.SecurityGroup, HermesGroupId)]);
        List<SecurityGroupRule> hermesIngress = [new("tcp", HermesPort, HermesPort, SecurityGroupPeerKind.SecurityGroup, AlbGroupId)];
        if (faults.Get(SandboxComponents.Ec2).Mode == FaultMode.OpenRule)
        {
            hermesIngress.Add(OpenRule);
        }

        yield return new SecurityGroup(HermesGroupId, "webordinary-hermes", VpcId, hermesIngress,
            [new("-1", null, null, SecurityGroupPeerKind.Ipv4, "0.0.0.0/0")]);
    }
}

internal sealed class SandboxEc2Client(SandboxSecurityGroups groups, FaultInjector faults) : IEc2Client
{
    public async Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsAsync(IReadOnlyList<string> groupIds, CancellationToken cancellationToken)
    {
        await faults.ApplyAsync(SandboxComponents.Ec2, "ec2", "DescribeSecurityGroups", cancellationToken);
        return groups.Describe(groupIds);
    }
}
