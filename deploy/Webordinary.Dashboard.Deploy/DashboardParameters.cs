using Amazon.CDK;
using Constructs;

namespace Webordinary.Dashboard.Deploy;

/// <summary>
/// What the team's platform provides, and the few choices with defaults: CloudFormation parameters, so the template
/// is reviewable as it is and deployable with or without the cdk CLI (README, Deploy: every parameter).
/// </summary>
public sealed class DashboardParameters
{
    public DashboardParameters(Construct scope)
    {
        VpcId = Parameter(scope, "VpcId", "AWS::EC2::VPC::Id", "The team's VPC.");
        SubnetIds = Parameter(scope, "SubnetIds", "List<AWS::EC2::Subnet::Id>",
            "Private subnets in two or more Availability Zones, for the tasks and the database (the tasks need a route to AWS APIs: a NAT gateway or VPC endpoints).");
        ClusterName = Parameter(scope, "ClusterName", "String", "The team's ECS cluster (the dashboard runs in it and watches it).");
        ListenerArn = Parameter(scope, "ListenerArn", "String", "The ALB's HTTPS listener: the dashboard's rule is added to it.");
        LoadBalancerArn = Parameter(scope, "LoadBalancerArn", "String", "The ALB's ARN: the signer the dashboard requires in x-amzn-oidc-data.");
        LoadBalancerSecurityGroupId = Parameter(scope, "LoadBalancerSecurityGroupId", "AWS::EC2::SecurityGroup::Id",
            "The ALB's security group: the only one the tasks accept, and given an egress rule to the tasks' port.");
        HostName = Parameter(scope, "HostName", "String", "The dashboard's host name on the ALB (its DNS record points at the ALB), e.g. dashboard.webordinary.com.");
        ImageUri = Parameter(scope, "ImageUri", "String", "The dashboard's image (built from the repository's Dockerfile), e.g. 123456789012.dkr.ecr.us-west-2.amazonaws.com/webordinary-dashboard:abc123.");
        OidcIssuer = Parameter(scope, "OidcIssuer", "String", "The OpenID provider's issuer.");
        OidcAuthorizationEndpoint = Parameter(scope, "OidcAuthorizationEndpoint", "String", "The provider's authorization endpoint.");
        OidcTokenEndpoint = Parameter(scope, "OidcTokenEndpoint", "String", "The provider's token endpoint.");
        OidcUserInfoEndpoint = Parameter(scope, "OidcUserInfoEndpoint", "String", "The provider's user info endpoint.");
        OidcClientId = Parameter(scope, "OidcClientId", "String", "The ALB's client id at the provider.");
        OidcClientSecretArn = Parameter(scope, "OidcClientSecretArn", "String",
            "A Secrets Manager secret (plain text) holding the client secret; the listener rule reads it at deploy time.");

        DesiredCount = Parameter(scope, "DesiredCount", "Number", "Tasks of the dashboard (two: one can stop while the other serves).", "2");
        DesiredCount.MinValue = 1;
        DesiredCount.MaxValue = 10;
        MultiAz = Parameter(scope, "MultiAz", "String", "A standby database in a second Availability Zone (doubles its cost).", "false");
        MultiAz.AllowedValues = ["true", "false"];
        DbInstanceClass = Parameter(scope, "DbInstanceClass", "String", "The database's instance class.", "db.t4g.micro");
        DbAllocatedStorage = Parameter(scope, "DbAllocatedStorage", "Number", "The database's storage in GiB (gp3).", "20");
        DbAllocatedStorage.MinValue = 20;
        DbAllocatedStorage.MaxValue = 1000;
        LogRetentionDays = Parameter(scope, "LogRetentionDays", "Number", "Days the dashboard's log is kept.", "30");
        LogRetentionDays.AllowedValues = ["1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545", "731", "1827", "3653"];
        AlarmEmail = Parameter(scope, "AlarmEmail", "String", "An e-mail address subscribed to the alarm topic (empty: none; subscribe anything else to the topic yourself).", "");
        ListenerRulePriority = Parameter(scope, "ListenerRulePriority", "Number", "The rule's priority on the listener (unique on it).", "100");
        ListenerRulePriority.MinValue = 1;
        ListenerRulePriority.MaxValue = 50000;
        HermesUrl = Parameter(scope, "HermesUrl", "String", "The base URL the probes reach Hermes at (Aws:AlbUrl).", "https://edit.webordinary.com");
        FileSystemId = Parameter(scope, "FileSystemId", "String", "The workspaces' EFS file system for the efs-workspaces probe (Aws:FileSystemId; empty: that probe says it is not set).", "");
    }

    public CfnParameter VpcId { get; }
    public CfnParameter SubnetIds { get; }
    public CfnParameter ClusterName { get; }
    public CfnParameter ListenerArn { get; }
    public CfnParameter LoadBalancerArn { get; }
    public CfnParameter LoadBalancerSecurityGroupId { get; }
    public CfnParameter HostName { get; }
    public CfnParameter ImageUri { get; }
    public CfnParameter OidcIssuer { get; }
    public CfnParameter OidcAuthorizationEndpoint { get; }
    public CfnParameter OidcTokenEndpoint { get; }
    public CfnParameter OidcUserInfoEndpoint { get; }
    public CfnParameter OidcClientId { get; }
    public CfnParameter OidcClientSecretArn { get; }
    public CfnParameter DesiredCount { get; }
    public CfnParameter MultiAz { get; }
    public CfnParameter DbInstanceClass { get; }
    public CfnParameter DbAllocatedStorage { get; }
    public CfnParameter LogRetentionDays { get; }
    public CfnParameter AlarmEmail { get; }
    public CfnParameter ListenerRulePriority { get; }
    public CfnParameter HermesUrl { get; }
    public CfnParameter FileSystemId { get; }

    private static CfnParameter Parameter(Construct scope, string name, string type, string description, string? defaultValue = null) =>
        new(scope, name, new CfnParameterProps { Type = type, Description = description, Default = defaultValue });
}
