using Amazon.EC2;
using Amazon.EC2.Model;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using SecurityGroup = Webordinary.Dashboard.Platform.SecurityGroup;
using SecurityGroupRule = Webordinary.Dashboard.Platform.SecurityGroupRule;

namespace Webordinary.Dashboard.Aws;

/// <summary>EC2 through the official AWSSDK.EC2: the security groups the security-group probe reads.</summary>
public sealed class Ec2Client(AwsCredentialsSource credentials, AwsTransport transport, IOptions<AwsOptions> options, TimeProvider time)
    : IEc2Client, IDisposable
{
    private readonly AwsSdkClient<AmazonEC2Client> _sdk = new(AwsService.Ec2, credentials, transport, options, time,
        (c, config) => new AmazonEC2Client(c, (AmazonEC2Config)config), () => new AmazonEC2Config());

    public Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsAsync(IReadOnlyList<string> groupIds, CancellationToken cancellationToken) =>
        _sdk.CallAsync("DescribeSecurityGroups", string.Join(",", groupIds), async (client, token) =>
        {
            var groups = new List<SecurityGroup>();
            string? nextToken = null;
            do
            {
                var reply = await client.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [.. groupIds], NextToken = nextToken }, token);
                groups.AddRange((reply.SecurityGroups ?? []).Select(g => new SecurityGroup(g.GroupId, g.GroupName, g.VpcId,
                    [.. (g.IpPermissions ?? []).SelectMany(Rules)], [.. (g.IpPermissionsEgress ?? []).SelectMany(Rules)])));
                nextToken = reply.NextToken;
            }
            while (!string.IsNullOrEmpty(nextToken));

            return (IReadOnlyList<SecurityGroup>)groups;
        }, cancellationToken);

    /// <summary>One rule per peer: EC2 groups several ranges and groups under one protocol and port range.</summary>
    private static IEnumerable<SecurityGroupRule> Rules(IpPermission permission)
    {
        var protocol = permission.IpProtocol ?? "-1";
        int? from = protocol == "-1" ? null : permission.FromPort;
        int? to = protocol == "-1" ? null : permission.ToPort;
        foreach (var range in permission.Ipv4Ranges ?? [])
        {
            yield return new SecurityGroupRule(protocol, from, to, SecurityGroupPeerKind.Ipv4, range.CidrIp);
        }

        foreach (var range in permission.Ipv6Ranges ?? [])
        {
            yield return new SecurityGroupRule(protocol, from, to, SecurityGroupPeerKind.Ipv6, range.CidrIpv6);
        }

        foreach (var pair in permission.UserIdGroupPairs ?? [])
        {
            yield return new SecurityGroupRule(protocol, from, to, SecurityGroupPeerKind.SecurityGroup, pair.GroupId ?? pair.GroupName);
        }

        foreach (var prefixList in permission.PrefixListIds ?? [])
        {
            yield return new SecurityGroupRule(protocol, from, to, SecurityGroupPeerKind.PrefixList, prefixList.Id);
        }
    }

    public void Dispose() => _sdk.Dispose();
}
