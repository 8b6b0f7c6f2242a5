using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>The SecurityGroups probe against moto's EC2, ELBv2 and ECS: the seeded groups are what the team's report recommends.</summary>
public sealed class SecurityGroupsHost : IAsyncLifetime
{
    public MotoServer Moto { get; private set; } = null!;

    public DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        MotoServer.UseEnvironmentCredentials();
        Moto = await MotoServer.StartAsync();
        var settings = Moto.DashboardSettings();
        DashboardHost.AddProbe(settings, "security-groups", SecurityGroupsProbe.KindName);
        Host = await DashboardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Moto.DisposeAsync();
    }
}

public sealed class SecurityGroupsProbeTests(SecurityGroupsHost fixture) : IClassFixture<SecurityGroupsHost>
{
    private MotoSeed Seed => fixture.Moto.Seed;

    [Fact]
    public async Task Groups_as_recommended_pass()
    {
        var run = await fixture.Host.RunProbeAsync("security-groups");

        Assert.True(run.Outcome == ProbeOutcome.Pass, $"{run.Outcome}: {run.Message}");
        Assert.Equal(["Find the service's and the ALB's groups", "Describe security groups", "Check the rules"], run.Steps.Select(s => s.Name));
        Assert.Equal($"webordinary-hermes-service: {Seed.ServiceSecurityGroup} (port 3000); webordinary-alb: {Seed.AlbSecurityGroup}", run.Steps[0].Detail);
        Assert.Equal($"service groups accept only {Seed.AlbSecurityGroup} on port 3000; ALB egress only to port 3000", run.Message);
    }

    [Fact]
    public async Task An_ingress_from_anywhere_on_the_services_group_fails_naming_the_rule()
    {
        var open = new IpPermission { IpProtocol = "tcp", FromPort = 3000, ToPort = 3000, Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }] };
        var openV6 = new IpPermission { IpProtocol = "tcp", FromPort = 22, ToPort = 22, Ipv6Ranges = [new Ipv6Range { CidrIpv6 = "::/0" }] };
        using var ec2 = Ec2();
        await ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest { GroupId = Seed.ServiceSecurityGroup, IpPermissions = [open, openV6] });
        try
        {
            var run = await fixture.Host.RunProbeAsync("security-groups");

            Assert.Equal(ProbeOutcome.Fail, run.Outcome);
            var failure = Assert.Single(run.Steps, s => s.Outcome == StepOutcome.Fail).Failure!;
            Assert.Equal("Check", failure.Kind);
            Assert.Contains($"{Seed.ServiceSecurityGroup} ingress tcp 3000 from 0.0.0.0/0 (reaches the tasks from the internet)", failure.Message);
            Assert.Contains($"{Seed.ServiceSecurityGroup} ingress tcp 22 from ::/0 (reaches the tasks from the internet)", failure.Message);
            Assert.StartsWith("2 offending rule(s)", failure.Message);
        }
        finally
        {
            await ec2.RevokeSecurityGroupIngressAsync(new RevokeSecurityGroupIngressRequest { GroupId = Seed.ServiceSecurityGroup, IpPermissions = [open, openV6] });
        }
    }

    [Fact]
    public async Task An_alb_that_may_reach_everything_fails_naming_its_egress_rule()
    {
        var everything = new IpPermission { IpProtocol = "-1", Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }] };
        using var ec2 = Ec2();
        await ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest { GroupId = Seed.AlbSecurityGroup, IpPermissions = [everything] });
        try
        {
            var run = await fixture.Host.RunProbeAsync("security-groups");

            Assert.Equal(ProbeOutcome.Fail, run.Outcome);
            Assert.Contains($"{Seed.AlbSecurityGroup} egress all traffic to 0.0.0.0/0 (the ALB reaches more than port 3000)",
                run.Steps.Single(s => s.Outcome == StepOutcome.Fail).Failure!.Message);
        }
        finally
        {
            await ec2.RevokeSecurityGroupEgressAsync(new RevokeSecurityGroupEgressRequest { GroupId = Seed.AlbSecurityGroup, IpPermissions = [everything] });
        }
    }

    [Fact]
    public async Task A_rule_from_another_group_cannot_be_attributed_and_is_degraded()
    {
        using var ec2 = Ec2();
        var other = (await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "bastion", Description = "bastion", VpcId = Seed.VpcId })).GroupId;
        var fromOther = new IpPermission { IpProtocol = "tcp", FromPort = 3000, ToPort = 3000, UserIdGroupPairs = [new UserIdGroupPair { GroupId = other }] };
        await ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest { GroupId = Seed.ServiceSecurityGroup, IpPermissions = [fromOther] });
        try
        {
            var run = await fixture.Host.RunProbeAsync("security-groups");

            Assert.True(run.Outcome == ProbeOutcome.Degraded, $"{run.Outcome}: {run.Message}");
            Assert.Contains($"Cannot attribute 1 rule(s) (not the ALB's group): {Seed.ServiceSecurityGroup} ingress tcp 3000 from {other}", run.Message);
            Assert.Equal(StepOutcome.Degraded, run.Steps.Single(s => s.Name == "Check the rules").Outcome);
        }
        finally
        {
            await ec2.RevokeSecurityGroupIngressAsync(new RevokeSecurityGroupIngressRequest { GroupId = Seed.ServiceSecurityGroup, IpPermissions = [fromOther] });
            await ec2.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = other });
        }
    }

    [Fact]
    public async Task An_alb_egress_to_another_services_group_on_its_port_is_that_services_but_all_traffic_to_it_fails()
    {
        // The dashboard beside Hermes behind the same ALB: the ALB reaches the dashboard's group on 8080.
        using var ec2 = Ec2();
        var dashboard = (await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "dashboard", Description = "dashboard", VpcId = Seed.VpcId })).GroupId;
        var toDashboard = new IpPermission { IpProtocol = "tcp", FromPort = 8080, ToPort = 8080, UserIdGroupPairs = [new UserIdGroupPair { GroupId = dashboard }] };
        var everythingToDashboard = new IpPermission { IpProtocol = "-1", UserIdGroupPairs = [new UserIdGroupPair { GroupId = dashboard }] };
        await ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest { GroupId = Seed.AlbSecurityGroup, IpPermissions = [toDashboard] });
        try
        {
            var shared = await fixture.Host.RunProbeAsync("security-groups");
            Assert.True(shared.Outcome == ProbeOutcome.Pass, $"{shared.Outcome}: {shared.Message}");

            await ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest { GroupId = Seed.AlbSecurityGroup, IpPermissions = [everythingToDashboard] });
            var wide = await fixture.Host.RunProbeAsync("security-groups");
            Assert.Equal(ProbeOutcome.Fail, wide.Outcome);
            Assert.Contains($"{Seed.AlbSecurityGroup} egress all traffic to {dashboard} (the ALB reaches more than port 3000)", wide.Message);
        }
        finally
        {
            await ec2.RevokeSecurityGroupEgressAsync(new RevokeSecurityGroupEgressRequest { GroupId = Seed.AlbSecurityGroup, IpPermissions = [toDashboard] });
            await ec2.RevokeSecurityGroupEgressAsync(new RevokeSecurityGroupEgressRequest { GroupId = Seed.AlbSecurityGroup, IpPermissions = [everythingToDashboard] });
            await ec2.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = dashboard });
        }
    }

    private AmazonEC2Client Ec2() => new(new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey),
        new AmazonEC2Config { ServiceURL = fixture.Moto.Endpoint.ToString(), AuthenticationRegion = Seed.Region });
}
