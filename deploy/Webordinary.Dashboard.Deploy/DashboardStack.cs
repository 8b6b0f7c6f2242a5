using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Webordinary.Dashboard.Deploy;

/// <summary>
/// The dashboard on the team's Fargate cluster behind its ALB: a service of <c>DesiredCount</c> tasks with a
/// read-only root, an <c>authenticate-oidc</c> listener rule, RDS PostgreSQL, the task role of the README's policy,
/// and the alarms that say when the dashboard itself is dead. L1 resources throughout: the template is the review.
/// </summary>
public sealed class DashboardStack : Stack
{
    public const string DefaultName = "WebordinaryDashboard";
    public const string ServiceName = "webordinary-dashboard";
    public const string ContainerName = "dashboard";
    public const int ContainerPort = 8080;

    /// <summary>The image's non-root user (the .NET images' <c>app</c>, <c>$APP_UID</c>).</summary>
    public const string ContainerUser = "1654";

    /// <summary>The RDS certificate bundle the Dockerfile puts in the image, to verify the database's certificate.</summary>
    public const string RdsCertificateBundle = "/usr/local/share/rds/global-bundle.pem";

    /// <summary>The only writable path of the container: a task-local volume (Data Protection, the runtime, scratch).</summary>
    public const string TempDirectory = "/tmp";

    /// <summary>
    /// The stack as the app and the tests make it: no environment (the template is account- and region-agnostic;
    /// AWS::Region and AWS::AccountId resolve at deploy), deployed with the caller's own credentials (`cdk deploy`
    /// needs no bootstrap roles, and there are no assets to upload).
    /// </summary>
    public static DashboardStack Create(Construct scope) => new(scope, DefaultName, new StackProps
    {
        Description = "Webordinary Dashboard on the team's Fargate cluster, behind its ALB with OIDC, on RDS PostgreSQL",
        Synthesizer = new CliCredentialsStackSynthesizer(),
    });

    public DashboardStack(Construct scope, string id, IStackProps? props = null) : base(scope, id, props)
    {
        Parameters = new DashboardParameters(this);
        var p = Parameters;

        TasksSecurityGroup = new CfnSecurityGroup(this, "TasksSecurityGroup", new CfnSecurityGroupProps
        {
            VpcId = p.VpcId.ValueAsString,
            GroupDescription = "Webordinary Dashboard tasks: the ALB group on the container port only",
            SecurityGroupIngress = new[]
            {
                new CfnSecurityGroup.IngressProperty
                {
                    IpProtocol = "tcp", FromPort = ContainerPort, ToPort = ContainerPort,
                    SourceSecurityGroupId = p.LoadBalancerSecurityGroupId.ValueAsString, Description = "HTTP from the ALB",
                },
            },
            // HTTPS out: AWS APIs, the region's ALB key endpoint, the probes' HTTPS checks. PostgreSQL: its own rule.
            SecurityGroupEgress = new[]
            {
                new CfnSecurityGroup.EgressProperty { IpProtocol = "tcp", FromPort = 443, ToPort = 443, CidrIp = "0.0.0.0/0", Description = "HTTPS to AWS APIs and the probed endpoints" },
            },
        });
        // The team's ALB reaches only its services' ports (its own report): this rule adds the dashboard's.
        _ = new CfnSecurityGroupEgress(this, "LoadBalancerToTasks", new CfnSecurityGroupEgressProps
        {
            GroupId = p.LoadBalancerSecurityGroupId.ValueAsString, IpProtocol = "tcp", FromPort = ContainerPort, ToPort = ContainerPort,
            DestinationSecurityGroupId = TasksSecurityGroup.AttrGroupId, Description = "The ALB to the Webordinary Dashboard's tasks",
        });

        Database = new DashboardDatabase(this, "Database", p, TasksSecurityGroup);
        _ = new CfnSecurityGroupEgress(this, "TasksToDatabase", new CfnSecurityGroupEgressProps
        {
            GroupId = TasksSecurityGroup.AttrGroupId, IpProtocol = "tcp", FromPort = DashboardDatabase.Port, ToPort = DashboardDatabase.Port,
            DestinationSecurityGroupId = Database.SecurityGroup.AttrGroupId, Description = "PostgreSQL to the dashboard's database",
        });

        LogGroup = new CfnLogGroup(this, "Logs", new CfnLogGroupProps
        {
            LogGroupName = "/webordinary/dashboard",
            RetentionInDays = p.LogRetentionDays.ValueAsNumber,
        });

        ExecutionRole = Role("ExecutionRole", "Pulls the dashboard's image, writes its log, reads its database secret", new Dictionary<string, object>
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new object[]
            {
                Allow(["ecr:GetAuthorizationToken"], "*"),
                Allow(["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                    Fn.Sub("arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*")),
                Allow(["logs:CreateLogStream", "logs:PutLogEvents"], LogGroup.AttrArn),
                Allow(["secretsmanager:GetSecretValue"], Database.SecretArn),
            },
        });
        TaskRole = Role("TaskRole", "The dashboard's own AWS access: the README's minimal policy", TaskRolePolicy.Document());

        TaskDefinition = new CfnTaskDefinition(this, "TaskDefinition", new CfnTaskDefinitionProps
        {
            Family = ServiceName,
            RequiresCompatibilities = ["FARGATE"],
            NetworkMode = "awsvpc",
            Cpu = "512",
            Memory = "1024",
            RuntimePlatform = new CfnTaskDefinition.RuntimePlatformProperty { OperatingSystemFamily = "LINUX", CpuArchitecture = "X86_64" },
            ExecutionRoleArn = ExecutionRole.AttrArn,
            TaskRoleArn = TaskRole.AttrArn,
            // A Fargate task-local volume (no host path): the container's only writable place.
            Volumes = new[] { new CfnTaskDefinition.VolumeProperty { Name = "tmp" } },
            ContainerDefinitions = new[] { Container(p) },
        });

        TargetGroup = new CfnTargetGroup(this, "TargetGroup", new CfnTargetGroupProps
        {
            VpcId = p.VpcId.ValueAsString,
            TargetType = "ip",
            Protocol = "HTTP",
            Port = ContainerPort,
            HealthCheckPath = "/alive",
            HealthCheckProtocol = "HTTP",
            HealthCheckIntervalSeconds = 15,
            HealthCheckTimeoutSeconds = 5,
            HealthyThresholdCount = 2,
            UnhealthyThresholdCount = 3,
            Matcher = new CfnTargetGroup.MatcherProperty { HttpCode = "200" },
            TargetGroupAttributes = new[]
            {
                // A Blazor circuit lives on one task: its WebSocket falls back to requests that must reach the same one.
                Attribute("stickiness.enabled", "true"),
                Attribute("stickiness.type", "lb_cookie"),
                Attribute("stickiness.lb_cookie.duration_seconds", "86400"),
                // Long enough for a request in flight; the circuits move on their own when the task stops.
                Attribute("deregistration_delay.timeout_seconds", "30"),
            },
        });

        ListenerRule = new CfnListenerRule(this, "ListenerRule", new CfnListenerRuleProps
        {
            ListenerArn = p.ListenerArn.ValueAsString,
            Priority = p.ListenerRulePriority.ValueAsNumber,
            Conditions = new[] { new CfnListenerRule.RuleConditionProperty { Field = "host-header", HostHeaderConfig = new CfnListenerRule.HostHeaderConfigProperty { Values = new[] { p.HostName.ValueAsString } } } },
            Actions = new[]
            {
                new CfnListenerRule.ActionProperty
                {
                    Type = "authenticate-oidc",
                    Order = 1,
                    AuthenticateOidcConfig = new CfnListenerRule.AuthenticateOidcConfigProperty
                    {
                        Issuer = p.OidcIssuer.ValueAsString,
                        AuthorizationEndpoint = p.OidcAuthorizationEndpoint.ValueAsString,
                        TokenEndpoint = p.OidcTokenEndpoint.ValueAsString,
                        UserInfoEndpoint = p.OidcUserInfoEndpoint.ValueAsString,
                        ClientId = p.OidcClientId.ValueAsString,
                        // A dynamic reference: CloudFormation reads the secret at deploy time; it is never in the template.
                        ClientSecret = Fn.Sub("{{resolve:secretsmanager:${OidcClientSecretArn}:SecretString}}"),
                        Scope = "openid profile email",
                        OnUnauthenticatedRequest = "authenticate",
                        SessionTimeout = 28800,
                    },
                },
                new CfnListenerRule.ActionProperty { Type = "forward", Order = 2, TargetGroupArn = TargetGroup.Ref },
            },
        });

        Service = new CfnService(this, "Service", new CfnServiceProps
        {
            ServiceName = ServiceName,
            Cluster = p.ClusterName.ValueAsString,
            LaunchType = "FARGATE",
            TaskDefinition = TaskDefinition.Ref,
            DesiredCount = p.DesiredCount.ValueAsNumber,
            // Fargate places the tasks across the given subnets' Availability Zones itself (no placement strategy).
            NetworkConfiguration = new CfnService.NetworkConfigurationProperty
            {
                AwsvpcConfiguration = new CfnService.AwsVpcConfigurationProperty
                {
                    Subnets = p.SubnetIds.ValueAsList, SecurityGroups = [TasksSecurityGroup.AttrGroupId], AssignPublicIp = "DISABLED",
                },
            },
            LoadBalancers = new[] { new CfnService.LoadBalancerProperty { ContainerName = ContainerName, ContainerPort = ContainerPort, TargetGroupArn = TargetGroup.Ref } },
            HealthCheckGracePeriodSeconds = 60,
            DeploymentConfiguration = new CfnService.DeploymentConfigurationProperty
            {
                MinimumHealthyPercent = 100,
                MaximumPercent = 200,
                DeploymentCircuitBreaker = new CfnService.DeploymentCircuitBreakerProperty { Enable = true, Rollback = true },
            },
            PropagateTags = "SERVICE",
            EnableEcsManagedTags = true,
        });
        // ECS refuses a target group that no listener uses yet.
        Service.AddDependency(ListenerRule);

        // targetgroup/<name>/<id>, the TargetGroup dimension of AWS/ApplicationELB: the ARN's last field.
        Monitoring = new DashboardMonitoring(this, "Monitoring", p, Fn.Select(5, Fn.Split(":", TargetGroup.Ref)));

        _ = new CfnOutput(this, "ServiceArn", new CfnOutputProps { Value = Service.Ref, Description = "The dashboard's ECS service" });
        _ = new CfnOutput(this, "TargetGroupArn", new CfnOutputProps { Value = TargetGroup.Ref });
        _ = new CfnOutput(this, "DatabaseEndpoint", new CfnOutputProps { Value = Database.Instance.AttrEndpointAddress });
        _ = new CfnOutput(this, "DatabaseSecretArn", new CfnOutputProps { Value = Database.SecretArn, Description = "RDS keeps the master credentials here" });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = Monitoring.Topic.Ref, Description = "Subscribe the team's channel here" });
        _ = new CfnOutput(this, "DashboardUrl", new CfnOutputProps { Value = Fn.Sub("https://${HostName}/") });
    }

    public DashboardParameters Parameters { get; }
    public CfnSecurityGroup TasksSecurityGroup { get; }
    public DashboardDatabase Database { get; }
    public CfnLogGroup LogGroup { get; }
    public CfnRole ExecutionRole { get; }
    public CfnRole TaskRole { get; }
    public CfnTaskDefinition TaskDefinition { get; }
    public CfnTargetGroup TargetGroup { get; }
    public CfnListenerRule ListenerRule { get; }
    public CfnService Service { get; }
    public DashboardMonitoring Monitoring { get; }

    private CfnTaskDefinition.ContainerDefinitionProperty Container(DashboardParameters p) => new()
    {
        Name = ContainerName,
        Image = p.ImageUri.ValueAsString,
        Essential = true,
        User = ContainerUser,
        ReadonlyRootFilesystem = true,
        MountPoints = new[] { new CfnTaskDefinition.MountPointProperty { SourceVolume = "tmp", ContainerPath = TempDirectory, ReadOnly = false } },
        PortMappings = new[] { new CfnTaskDefinition.PortMappingProperty { ContainerPort = ContainerPort, Protocol = "tcp" } },
        HealthCheck = new CfnTaskDefinition.HealthCheckProperty
        {
            Command = ["CMD", "dotnet", "Webordinary.Dashboard.dll", "healthcheck"],
            Interval = 30, Timeout = 5, Retries = 3, StartPeriod = 30,
        },
        // Fargate's maximum: SIGTERM, then up to two minutes for the graceful handover before SIGKILL.
        StopTimeout = 120,
        Environment = Env(new Dictionary<string, string>
        {
            ["Platform__Mode"] = "Aws",
            ["Aws__Region"] = Aws.REGION,
            ["Aws__Cluster"] = p.ClusterName.ValueAsString,
            ["Aws__AlbUrl"] = p.HermesUrl.ValueAsString,
            ["Aws__FileSystemId"] = p.FileSystemId.ValueAsString,
            ["Auth__Mode"] = "AlbOidc",
            ["Auth__AlbOidc__AlbArn"] = p.LoadBalancerArn.ValueAsString,
            ["AllowedHosts"] = p.HostName.ValueAsString,
            ["Dashboard__PublicUrl"] = Fn.Sub("https://${HostName}/"),
            ["Dashboard__TempDirectory"] = TempDirectory,
            ["Dashboard__DataDirectory"] = TempDirectory + "/data",
            ["Metrics__CloudWatch__Enabled"] = "true",
            ["Store__Provider"] = "Postgres",
            // Host, port and database only: the user name and password come as PGUSER/PGPASSWORD from the secret,
            // which Npgsql reads when the connection string has none.
            ["Store__ConnectionString"] = Fn.Join("", ["Host=", Database.Instance.AttrEndpointAddress, ";Port=", Database.Instance.AttrEndpointPort,
                ";Database=", DashboardDatabase.DatabaseName, ";SSL Mode=VerifyFull"]),
            ["Store__CaFile"] = RdsCertificateBundle,
        }),
        Secrets = new[]
        {
            new CfnTaskDefinition.SecretProperty { Name = "PGUSER", ValueFrom = Fn.Join("", [Database.SecretArn, ":username::"]) },
            new CfnTaskDefinition.SecretProperty { Name = "PGPASSWORD", ValueFrom = Fn.Join("", [Database.SecretArn, ":password::"]) },
        },
        LogConfiguration = new CfnTaskDefinition.LogConfigurationProperty
        {
            LogDriver = "awslogs",
            Options = new Dictionary<string, string>
            {
                ["awslogs-group"] = LogGroup.Ref,
                ["awslogs-region"] = Aws.REGION,
                ["awslogs-stream-prefix"] = ContainerName,
            },
        },
    };

    private static CfnTaskDefinition.KeyValuePairProperty[] Env(Dictionary<string, string> values) =>
        [.. values.Select(v => new CfnTaskDefinition.KeyValuePairProperty { Name = v.Key, Value = v.Value })];

    private static CfnTargetGroup.TargetGroupAttributeProperty Attribute(string key, string value) => new() { Key = key, Value = value };

    private static Dictionary<string, object> Allow(string[] actions, string resource) => new()
    {
        ["Effect"] = "Allow", ["Action"] = actions, ["Resource"] = resource,
    };

    private CfnRole Role(string id, string description, object policy) => new(this, id, new CfnRoleProps
    {
        Description = description,
        AssumeRolePolicyDocument = new Dictionary<string, object>
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new object[]
            {
                new Dictionary<string, object> { ["Effect"] = "Allow", ["Principal"] = new Dictionary<string, object> { ["Service"] = "ecs-tasks.amazonaws.com" }, ["Action"] = "sts:AssumeRole" },
            },
        },
        Policies = new[] { new CfnRole.PolicyProperty { PolicyName = id, PolicyDocument = policy } },
    });
}
