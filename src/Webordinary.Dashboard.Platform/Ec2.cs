namespace Webordinary.Dashboard.Platform;

/// <summary>What a security-group rule lets traffic come from (ingress) or go to (egress).</summary>
public enum SecurityGroupPeerKind
{
    /// <summary>An IPv4 range, e.g. <c>10.0.0.0/16</c> or <c>0.0.0.0/0</c>.</summary>
    Ipv4,

    /// <summary>An IPv6 range, e.g. <c>::/0</c>.</summary>
    Ipv6,

    /// <summary>Another security group (<c>sg-…</c>, possibly of another account: <c>123456789012/sg-…</c>).</summary>
    SecurityGroup,

    /// <summary>A managed prefix list (<c>pl-…</c>).</summary>
    PrefixList,
}

/// <summary>
/// One permission of a security group, one peer per rule (EC2's IpPermission flattened): protocol <c>tcp</c>,
/// <c>udp</c>, <c>icmp</c>, a number, or <c>-1</c> for all traffic (then the ports are null).
/// </summary>
public sealed record SecurityGroupRule(string Protocol, int? FromPort, int? ToPort, SecurityGroupPeerKind PeerKind, string Peer)
{
    public bool AllTraffic => Protocol == "-1";

    /// <summary>The whole internet: <c>0.0.0.0/0</c> or <c>::/0</c>.</summary>
    public bool IsOpenToTheWorld => PeerKind is SecurityGroupPeerKind.Ipv4 or SecurityGroupPeerKind.Ipv6 && Peer is "0.0.0.0/0" or "::/0";

    /// <summary>True when the rule's ports include <paramref name="port"/> (all traffic includes every port).</summary>
    public bool Covers(int port) => AllTraffic || (FromPort is { } from && ToPort is { } to && from <= port && port <= to) || (FromPort is null && ToPort is null);

    /// <summary>True when the rule allows nothing but <paramref name="ports"/> (one TCP port or a range inside them).</summary>
    public bool OnlyPorts(IReadOnlyCollection<int> ports) =>
        !AllTraffic && Protocol == "tcp" && FromPort is { } from && ToPort is { } to && Enumerable.Range(from, to - from + 1).All(ports.Contains);

    /// <summary>"tcp 3000 from sg-0abc", "all traffic to 0.0.0.0/0", "tcp 0-65535 from 10.0.0.0/16".</summary>
    public string Describe(bool ingress)
    {
        var ports = AllTraffic ? "all traffic" : FromPort == ToPort ? $"{Protocol} {FromPort}" : $"{Protocol} {FromPort}-{ToPort}";
        return $"{ports} {(ingress ? "from" : "to")} {Peer}";
    }
}

public sealed record SecurityGroup(string GroupId, string GroupName, string? VpcId, IReadOnlyList<SecurityGroupRule> Ingress, IReadOnlyList<SecurityGroupRule> Egress);

/// <summary>The EC2 reads the dashboard uses (the security-group probe).</summary>
public interface IEc2Client
{
    /// <exception cref="PlatformResourceNotFoundException">One of the groups does not exist (<c>InvalidGroup.NotFound</c>).</exception>
    Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsAsync(IReadOnlyList<string> groupIds, CancellationToken cancellationToken);
}
