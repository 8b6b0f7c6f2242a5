using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Webordinary.Dashboard.Deploy;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Deploy.Tests;

/// <summary>What the stack creates (issue 26, item 2), asserted on the synthesized template.</summary>
public sealed class StackTemplateTests
{
    private readonly SynthesizedTemplate _synthesized = SynthesizedTemplate.Shared;

    private static readonly string[] TeamParameters =
    [
        "VpcId", "SubnetIds", "ClusterName", "ListenerArn", "LoadBalancerArn", "LoadBalancerSecurityGroupId", "HostName", "ImageUri",
        "OidcIssuer", "OidcAuthorizationEndpoint", "OidcTokenEndpoint", "OidcUserInfoEndpoint", "OidcClientId", "OidcClientSecretArn",
    ];

    private JsonObject Container => _synthesized.Single("AWS::ECS::TaskDefinition")["ContainerDefinitions"]!.AsArray().Single()!.AsObject();

    [Fact]
    public void The_team_platform_comes_in_as_parameters_and_every_other_parameter_has_a_default()
    {
        var parameters = _synthesized.Json["Parameters"]!.AsObject();
        Assert.All(TeamParameters, name => Assert.True(parameters.ContainsKey(name), $"parameter {name} is missing"));
        Assert.All(TeamParameters, name => Assert.Null(parameters[name]!["Default"]));
        Assert.All(parameters.Where(p => !TeamParameters.Contains(p.Key)), p => Assert.NotNull(p.Value!["Default"]));
        Assert.Equal("List<AWS::EC2::Subnet::Id>", (string?)parameters["SubnetIds"]!["Type"]);
        Assert.Equal("2", (string?)parameters["DesiredCount"]!["Default"]);
        Assert.Equal("false", (string?)parameters["MultiAz"]!["Default"]);
    }

    [Fact]
    public void The_service_runs_the_desired_count_on_Fargate_in_the_private_subnets_with_a_rolling_circuit_breaker()
    {
        _synthesized.Template.HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object>
        {
            ["LaunchType"] = "FARGATE",
            ["Cluster"] = Ref("ClusterName"),
            ["DesiredCount"] = Ref("DesiredCount"),
            ["HealthCheckGracePeriodSeconds"] = 60,
            ["NetworkConfiguration"] = new Dictionary<string, object>
            {
                ["AwsvpcConfiguration"] = Match.ObjectLike(new Dictionary<string, object> { ["Subnets"] = Ref("SubnetIds"), ["AssignPublicIp"] = "DISABLED" }),
            },
            ["DeploymentConfiguration"] = new Dictionary<string, object>
            {
                ["MinimumHealthyPercent"] = 100,
                ["MaximumPercent"] = 200,
                ["DeploymentCircuitBreaker"] = new Dictionary<string, object> { ["Enable"] = true, ["Rollback"] = true },
            },
        });
    }

    [Fact]
    public void The_container_is_non_root_on_a_read_only_root_with_tmp_its_only_writable_place()
    {
        var container = Container;
        Assert.Equal(DashboardStack.ContainerUser, (string?)container["User"]);
        Assert.True((bool)container["ReadonlyRootFilesystem"]!);
        var mount = container["MountPoints"]!.AsArray().Single()!;
        Assert.Equal("/tmp", (string?)mount["ContainerPath"]);
        Assert.False((bool)mount["ReadOnly"]!);
        var volume = _synthesized.Single("AWS::ECS::TaskDefinition")["Volumes"]!.AsArray().Single()!;
        Assert.Equal((string?)mount["SourceVolume"], (string?)volume["Name"]);
        Assert.Null(volume["Host"]);
        // Everything the app writes goes under the volume.
        var environment = Environment(container);
        Assert.Equal("/tmp", environment["Dashboard__TempDirectory"]?.GetValue<string>());
        Assert.StartsWith("/tmp/", environment["Dashboard__DataDirectory"]!.GetValue<string>());
        Assert.Equal(["CMD", "dotnet", "Webordinary.Dashboard.dll", "healthcheck"], container["HealthCheck"]!["Command"]!.AsArray().Select(c => (string)c!));
        // ECS gives the volume the image's /tmp (mode 1777) only when the image declares it a VOLUME: else it is root's.
        var dockerfile = File.ReadAllText(Path.Combine(MotoServer.RepositoryRoot(), "Dockerfile"));
        Assert.Contains("VOLUME [\"/data\", \"/tmp\"]", dockerfile, StringComparison.Ordinal);
        Assert.Equal(120, (int)container["StopTimeout"]!);
        Assert.Equal(8080, (int)container["PortMappings"]!.AsArray().Single()!["ContainerPort"]!);
    }

    [Fact]
    public void The_container_is_configured_by_environment_for_Aws_AlbOidc_and_Postgres_and_its_secrets_come_from_Secrets_Manager()
    {
        var container = Container;
        var environment = Environment(container);
        Assert.Equal("Aws", (string?)environment["Platform__Mode"]);
        Assert.Equal("AlbOidc", (string?)environment["Auth__Mode"]);
        Assert.Equal("LoadBalancerArn", (string?)environment["Auth__AlbOidc__AlbArn"]!["Ref"]);
        Assert.Equal("HostName", (string?)environment["AllowedHosts"]!["Ref"]);
        Assert.Equal("ClusterName", (string?)environment["Aws__Cluster"]!["Ref"]);
        Assert.Equal("https://${HostName}/", (string?)environment["Dashboard__PublicUrl"]!["Fn::Sub"]);
        Assert.Equal("Postgres", (string?)environment["Store__Provider"]);
        Assert.Equal(DashboardStack.RdsCertificateBundle, (string?)environment["Store__CaFile"]);
        // Every Store__ key is a setting the dashboard reads: a misspelt one would be ignored without a word.
        Assert.All(environment.Keys.Where(key => key.StartsWith("Store__", StringComparison.Ordinal)),
            key => Assert.NotNull(typeof(Webordinary.Dashboard.Storage.StoreOptions).GetProperty(key["Store__".Length..])));
        var connection = environment["Store__ConnectionString"]!.ToJsonString();
        Assert.Contains("SSL Mode=VerifyFull", connection, StringComparison.Ordinal);
        Assert.Contains("Endpoint.Address", connection, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", connection, StringComparison.OrdinalIgnoreCase);

        // The credentials are ECS secrets from the database's secret, never plain environment.
        var secrets = container["Secrets"]!.AsArray().ToDictionary(s => (string)s!["Name"]!, s => s!["ValueFrom"]!.ToJsonString());
        Assert.Equal(["PGPASSWORD", "PGUSER"], secrets.Keys.Order());
        Assert.All(secrets.Values, valueFrom => Assert.Contains("MasterUserSecret.SecretArn", valueFrom, StringComparison.Ordinal));
        Assert.Contains(":password::", secrets["PGPASSWORD"], StringComparison.Ordinal);
        Assert.DoesNotContain(environment, e => e.Key.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase) || e.Key.StartsWith("PG", StringComparison.Ordinal));

        var logs = container["LogConfiguration"]!;
        Assert.Equal("awslogs", (string?)logs["LogDriver"]);
        Assert.Equal("Logs", (string?)logs["Options"]!["awslogs-group"]!["Ref"]);
        Assert.Equal("LogRetentionDays", (string?)_synthesized.Single("AWS::Logs::LogGroup")["RetentionInDays"]!["Ref"]);
    }

    [Fact]
    public void The_target_group_checks_alive_keeps_circuits_sticky_and_drains_briefly()
    {
        var group = _synthesized.Single("AWS::ElasticLoadBalancingV2::TargetGroup");
        Assert.Equal("/alive", (string?)group["HealthCheckPath"]);
        Assert.Equal("ip", (string?)group["TargetType"]);
        var attributes = group["TargetGroupAttributes"]!.AsArray().ToDictionary(a => (string)a!["Key"]!, a => (string)a!["Value"]!);
        Assert.Equal("true", attributes["stickiness.enabled"]);
        Assert.Equal("lb_cookie", attributes["stickiness.type"]);
        Assert.InRange(int.Parse(attributes["deregistration_delay.timeout_seconds"], System.Globalization.CultureInfo.InvariantCulture), 5, 60);
    }

    [Fact]
    public void The_listener_rule_on_the_host_name_authenticates_with_oidc_then_forwards()
    {
        var rule = _synthesized.Single("AWS::ElasticLoadBalancingV2::ListenerRule");
        Assert.Equal("ListenerArn", (string?)rule["ListenerArn"]!["Ref"]);
        var condition = rule["Conditions"]!.AsArray().Single()!;
        Assert.Equal("host-header", (string?)condition["Field"]);
        Assert.Equal("HostName", (string?)condition["HostHeaderConfig"]!["Values"]!.AsArray().Single()!["Ref"]);
        var actions = rule["Actions"]!.AsArray().OrderBy(a => (int)a!["Order"]!).ToList();
        Assert.Equal(["authenticate-oidc", "forward"], actions.Select(a => (string)a!["Type"]!));
        var oidc = actions[0]!["AuthenticateOidcConfig"]!;
        foreach (var (property, parameter) in new[] { ("Issuer", "OidcIssuer"), ("AuthorizationEndpoint", "OidcAuthorizationEndpoint"), ("TokenEndpoint", "OidcTokenEndpoint"), ("UserInfoEndpoint", "OidcUserInfoEndpoint"), ("ClientId", "OidcClientId") })
        {
            Assert.Equal(parameter, (string?)oidc[property]!["Ref"]);
        }

        // The client secret is resolved by CloudFormation from Secrets Manager: never a value in the template.
        Assert.Equal("{{resolve:secretsmanager:${OidcClientSecretArn}:SecretString}}", (string?)oidc["ClientSecret"]!["Fn::Sub"]);
        Assert.Equal("TargetGroup", (string?)actions[1]!["TargetGroupArn"]!["Ref"]);
    }

    [Fact]
    public void The_database_is_encrypted_private_backed_up_tls_only_with_credentials_in_Secrets_Manager()
    {
        var instance = _synthesized.Single("AWS::RDS::DBInstance");
        Assert.Equal("postgres", (string?)instance["Engine"]);
        Assert.True((bool)instance["StorageEncrypted"]!);
        Assert.False((bool)instance["PubliclyAccessible"]!);
        Assert.True((bool)instance["ManageMasterUserPassword"]!);
        Assert.Null(instance["MasterUserPassword"]);
        Assert.InRange((int)instance["BackupRetentionPeriod"]!, 1, 35);
        Assert.Equal("DbInstanceClass", (string?)instance["DBInstanceClass"]!["Ref"]);
        Assert.Contains("MultiAz", instance["MultiAZ"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("SubnetIds", (string?)_synthesized.Single("AWS::RDS::DBSubnetGroup")["SubnetIds"]!["Ref"]);
        var settings = _synthesized.Single("AWS::RDS::DBParameterGroup");
        Assert.Equal("1", (string?)settings["Parameters"]!["rds.force_ssl"]);
        var database = _synthesized.Resources.Single(r => (string?)r.Value!["Type"] == "AWS::RDS::DBInstance").Value!;
        Assert.Equal("Snapshot", (string?)database["DeletionPolicy"]);
        Assert.Equal("false", (string?)_synthesized.Json["Parameters"]!["MultiAz"]!["Default"]);
    }

    private static Dictionary<string, JsonNode?> Environment(JsonObject container) =>
        container["Environment"]!.AsArray().ToDictionary(e => (string)e!["Name"]!, e => e!["Value"]);

    private static Dictionary<string, object> Ref(string name) => new() { ["Ref"] = name };
}
