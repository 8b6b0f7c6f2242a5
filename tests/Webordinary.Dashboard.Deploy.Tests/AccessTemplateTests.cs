using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Webordinary.Dashboard.Deploy;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Deploy.Tests;

/// <summary>Who reaches what: the security groups (the team's own advice) and the two roles.</summary>
public sealed partial class AccessTemplateTests
{
    private readonly SynthesizedTemplate _synthesized = SynthesizedTemplate.Shared;

    private JsonObject Group(string logicalIdStart) =>
        _synthesized.OfType("AWS::EC2::SecurityGroup").Single(g => g.Key.StartsWith(logicalIdStart, StringComparison.Ordinal)).Value!["Properties"]!.AsObject();

    [Fact]
    public void The_tasks_accept_only_the_albs_group_on_the_container_port_and_the_database_only_the_tasks_group_on_5432()
    {
        var tasks = Assert.Single(Group("TasksSecurityGroup")["SecurityGroupIngress"]!.AsArray())!;
        Assert.Equal("LoadBalancerSecurityGroupId", (string?)tasks["SourceSecurityGroupId"]!["Ref"]);
        Assert.Equal((DashboardStack.ContainerPort, DashboardStack.ContainerPort), ((int)tasks["FromPort"]!, (int)tasks["ToPort"]!));
        Assert.Null(tasks["CidrIp"]);

        var database = Assert.Single(Group("DatabaseSecurityGroup")["SecurityGroupIngress"]!.AsArray())!;
        Assert.Equal("TasksSecurityGroup", (string?)database["SourceSecurityGroupId"]!["Fn::GetAtt"]![0]);
        Assert.Equal((5432, 5432), ((int)database["FromPort"]!, (int)database["ToPort"]!));

        // The ALB reaches the tasks' port (its egress, narrowed as the team's report asks), the tasks the database's.
        var egress = _synthesized.OfType("AWS::EC2::SecurityGroupEgress").ToDictionary(e => e.Key, e => e.Value!["Properties"]!);
        Assert.Equal("LoadBalancerSecurityGroupId", (string?)egress["LoadBalancerToTasks"]!["GroupId"]!["Ref"]);
        Assert.Equal(DashboardStack.ContainerPort, (int)egress["LoadBalancerToTasks"]!["FromPort"]!);
        Assert.Equal(5432, (int)egress["TasksToDatabase"]!["ToPort"]!);
    }

    [Fact]
    public void Nothing_accepts_traffic_from_the_internet()
    {
        var ingress = _synthesized.OfType("AWS::EC2::SecurityGroup").SelectMany(g => g.Value!["Properties"]!["SecurityGroupIngress"]?.AsArray() ?? []).ToList();
        Assert.Equal(2, ingress.Count);
        Assert.All(ingress, rule =>
        {
            Assert.Null(rule!["CidrIp"]);
            Assert.Null(rule["CidrIpv6"]);
            Assert.NotNull(rule["SourceSecurityGroupId"]);
        });
        Assert.Empty(_synthesized.OfType("AWS::EC2::SecurityGroupIngress"));
        // The database starts no connection at all.
        var databaseEgress = Assert.Single(Group("DatabaseSecurityGroup")["SecurityGroupEgress"]!.AsArray())!;
        Assert.Equal("255.255.255.255/32", (string?)databaseEgress["CidrIp"]);
    }

    [Fact]
    public void The_task_role_is_the_readmes_policy_file_with_UpdateService_on_the_allow_listed_services_of_the_cluster()
    {
        var file = JsonNode.Parse(File.ReadAllText(TaskRolePolicy.Path()))!;
        var readme = ReadmePolicy();
        Assert.True(JsonNode.DeepEquals(file, readme), $"README's Minimal IAM policy differs from deploy/{TaskRolePolicy.FileName}:\n{readme.ToJsonString()}");

        var role = _synthesized.Resources["TaskRole"]!["Properties"]!;
        var document = Assert.Single(role["Policies"]!.AsArray())!["PolicyDocument"]!;
        var statements = document["Statement"]!.AsArray();
        var expected = file["Statement"]!.AsArray();
        Assert.Equal(expected.Count, statements.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(JsonNode.DeepEquals(expected[i]!["Action"], statements[i]!["Action"]), $"statement {i}");
            var resource = statements[i]!["Resource"]!;
            var sourceResource = (string)expected[i]!["Resource"]!;
            Assert.Equal(sourceResource, sourceResource.Contains("${", StringComparison.Ordinal) ? (string?)resource["Fn::Sub"] : (string?)resource);
        }

        // ecs:UpdateService only on the services appsettings.json allow-lists, in the stack's cluster.
        var update = Assert.Single(statements, s => s!["Action"]!.AsArray().Any(a => (string?)a == "ecs:UpdateService"))!;
        Assert.Single(update["Action"]!.AsArray());
        var allowListed = AllowListedServices();
        Assert.Equal(allowListed.Select(s => $"arn:aws:ecs:*:*:service/${{ClusterName}}/{s}"), [(string)update["Resource"]!["Fn::Sub"]!]);
    }

    [Fact]
    public void No_role_has_a_wildcard_action_and_the_execution_role_only_pulls_the_image_writes_the_log_and_reads_the_database_secret()
    {
        foreach (var role in _synthesized.OfType("AWS::IAM::Role").Select(r => r.Value))
        {
            var actions = role!["Properties"]!["Policies"]!.AsArray().SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray())
                .SelectMany(s => s!["Action"]!.AsArray().Select(a => (string)a!)).ToList();
            Assert.All(actions, action => Assert.DoesNotContain("*", action, StringComparison.Ordinal));
            Assert.Equal("ecs-tasks.amazonaws.com", (string?)role["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Service"]);
            Assert.Null(role["Properties"]!["ManagedPolicyArns"]);
        }

        var execution = _synthesized.Resources["ExecutionRole"]!["Properties"]!["Policies"]![0]!["PolicyDocument"]!["Statement"]!.AsArray();
        var prefixes = execution.SelectMany(s => s!["Action"]!.AsArray().Select(a => ((string)a!).Split(':')[0])).Distinct().Order();
        Assert.Equal(["ecr", "logs", "secretsmanager"], prefixes);
        var secret = Assert.Single(execution, s => (string?)s!["Action"]![0] == "secretsmanager:GetSecretValue")!;
        Assert.Contains("MasterUserSecret.SecretArn", secret["Resource"]!.ToJsonString(), StringComparison.Ordinal);
        var logs = Assert.Single(execution, s => (string?)s!["Action"]![0] == "logs:CreateLogStream")!;
        Assert.Equal("Logs", (string?)logs["Resource"]!["Fn::GetAtt"]![0]);
    }

    /// <summary>The JSON block under "Minimal IAM policy" in the README.</summary>
    private static JsonNode ReadmePolicy()
    {
        var readme = File.ReadAllText(Path.Combine(MotoServer.RepositoryRoot(), "README.md"));
        var match = ReadmePolicyBlock().Match(readme);
        Assert.True(match.Success, "README has no ```json block after **Minimal IAM policy**");
        return JsonNode.Parse(match.Groups["json"].Value)!;
    }

    private static IEnumerable<string> AllowListedServices()
    {
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(MotoServer.RepositoryRoot(), "appsettings.json")))!;
        return settings["Scaling"]!["Services"]!.AsObject().Select(s => s.Key);
    }

    [GeneratedRegex(@"\*\*Minimal IAM policy\*\*.*?```json\n(?<json>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmePolicyBlock();
}
