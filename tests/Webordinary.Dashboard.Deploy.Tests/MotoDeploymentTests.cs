using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Webordinary.Dashboard.Deploy;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Deploy.Tests;

/// <summary>
/// The synthesized template created in moto's CloudFormation with the team's existing resources as its parameters
/// (tests/moto/seed.py makes the platform, tests/moto/create_stack.py the HTTPS listener and the OIDC secret, then
/// the stack), and the dashboard in Aws mode against that moto, configured by the task definition's environment as
/// moto registered it, behind a stand-in for the ALB that signs as the stack's LoadBalancerArn.
/// </summary>
public sealed class MotoDeployment : IAsyncLifetime
{
    public MotoServer Moto { get; private set; } = null!;

    public JsonObject Stack { get; private set; } = null!;

    public DashboardHost? Host { get; private set; }

    /// <summary>Stands in for the team's ALB with authenticate-oidc, signing as the stack's LoadBalancerArn.</summary>
    public AlbSigner Alb { get; private set; } = null!;

    public string HostName => (string)Stack["parameters"]!["HostName"]!;

    /// <summary>
    /// Task-definition settings the test host does not take: the PostgreSQL store (built by the storage issue; the
    /// host runs on its own store in its own data directory), the temporary directory (TMPDIR is the whole test
    /// process's). The ALB's key endpoint is the stand-in's.
    /// </summary>
    private static readonly string[] NotTakenByTheTestHost = ["Store:", "Dashboard:DataDirectory", "Dashboard:TempDirectory"];

    public async Task InitializeAsync()
    {
        MotoServer.UseEnvironmentCredentials();
        Moto = await MotoServer.StartAsync(workers: 2);
        Stack = await CreateStackAsync();
        if ((string?)Stack["status"] != "CREATE_COMPLETE")
        {
            return;
        }

        // The dashboard configured as ECS would start it: the task definition's environment as moto registered it.
        var settings = Moto.DashboardSettings();
        foreach (var (name, value) in Stack["environment"]!.AsObject())
        {
            var key = name.Replace("__", ":", StringComparison.Ordinal);
            if (!NotTakenByTheTestHost.Any(key.StartsWith))
            {
                settings[key] = (string?)value;
            }
        }

        Alb = await AlbSigner.StartAsync();
        settings["Auth:AlbOidc:KeyEndpoint"] = Alb.KeyEndpoint.ToString();
        // The deployed dashboard watches its own service with the probes that take one (here the SecurityGroups probe).
        settings["Aws:Service"] = DashboardStack.ServiceName;
        settings["Aws:TargetGroup"] = ((string)Stack["outputs"]!["TargetGroupArn"]!).Split('/')[1];
        settings["Scaling:ClusterPollInterval"] = "00:00:01";
        DashboardHost.AddProbe(settings, "security-groups", SecurityGroupsProbe.KindName);
        Host = await DashboardHost.StartAsync(settings);
    }

    /// <summary>A request as the ALB forwards it after authenticate-oidc: to the dashboard's host name, signed.</summary>
    public HttpRequestMessage ThroughTheAlb(string path, bool signed = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = HostName;
        if (signed)
        {
            request.Headers.Add("x-amzn-oidc-data", Alb.Token(signer: (string)Stack["parameters"]!["LoadBalancerArn"]!));
        }

        return request;
    }

    private async Task<JsonObject> CreateStackAsync()
    {
        var script = Path.Combine(MotoServer.RepositoryRoot(), "tests", "moto", "create_stack.py");
        var seed = JsonSerializer.Serialize(Moto.Seed, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        using var create = Process.Start(new ProcessStartInfo("python3", [script, Moto.Endpoint.ToString().TrimEnd('/'), SynthesizedTemplate.Shared.FilePath, seed])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = create.StandardOutput.ReadToEndAsync();
        var errors = create.StandardError.ReadToEndAsync();
        await create.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (create.ExitCode != 0)
        {
            throw new InvalidOperationException($"Creating the stack in moto failed ({create.ExitCode}): {await errors}");
        }

        return JsonNode.Parse(await output)!.AsObject();
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        if (Alb is not null)
        {
            await Alb.DisposeAsync();
        }

        await Moto.DisposeAsync();
    }
}

public sealed class MotoDeploymentTests(MotoDeployment deployment) : IClassFixture<MotoDeployment>
{
    /// <summary>
    /// Types moto 5.2.1's CloudFormation does not model: it skips them with "Tried to parse … but it's not supported by
    /// moto's CloudFormation implementation" and lists them without a logical id. Their properties are asserted on the
    /// template instead (AccessTemplateTests, MonitoringTemplateTests); the egress rules are made through moto's API.
    /// </summary>
    private static readonly string[] NotModelledByMoto = ["AWS::EC2::SecurityGroupEgress", "AWS::SNS::Subscription", "AWS::CloudWatch::Alarm"];

    private JsonObject Stack => deployment.Stack;

    [Fact]
    public void The_stack_is_created_complete_with_every_resource_of_the_template()
    {
        Assert.True((string?)Stack["status"] == "CREATE_COMPLETE", $"{Stack["status"]}: {Stack["reason"]}");
        var created = Stack["resources"]!.AsArray().Where(r => r!["logicalId"] is not null).ToDictionary(r => (string)r!["logicalId"]!, r => r!);
        var template = SynthesizedTemplate.Shared.Resources;
        var modelled = template.Where(r => !NotModelledByMoto.Contains((string)r.Value!["Type"]!)).ToList();
        Assert.Equal(modelled.Select(r => r.Key).Order(), created.Keys.Order());
        Assert.All(modelled, r =>
        {
            var resource = created[r.Key];
            Assert.Equal((string?)r.Value!["Type"], (string?)resource["type"]);
            Assert.Equal("CREATE_COMPLETE", (string?)resource["status"]);
        });
        // The rest are the skipped ones, each still accounted for.
        Assert.Equal(template.Count - modelled.Count, Stack["resources"]!.AsArray().Count(r => r!["logicalId"] is null));

        // The documented workarounds of create_stack.py and nothing more: moto's missing GetAtt, its parameter group
        // bug and its string-typed numbers.
        var database = template.Single(r => (string?)r.Value!["Type"] == "AWS::RDS::DBInstance").Key;
        Assert.Equal([$"{database}.DBParameterGroupName", $"{database}.MasterUserSecret.SecretArn", "Service.DesiredCount"],
            Stack["substituted"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(["LoadBalancerToTasks", "TasksToDatabase", "Service"], Stack["completed"]!.AsArray().Select(s => (string)s!));
    }

    [Fact]
    public async Task The_dashboard_in_Aws_mode_finds_its_own_service_with_the_desired_count()
    {
        var host = deployment.Host ?? throw new InvalidOperationException("The stack was not created (see the other test).");
        var snapshot = await host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Find(DashboardStack.ServiceName) is not null);
        Assert.Equal(2, snapshot.Find(DashboardStack.ServiceName)!.Service.DesiredCount);

        // Through the ALB as the listener rule sends it: signed by the stack's ALB, for its host name.
        using var http = host.CreateClient();
        using var response = await http.SendAsync(deployment.ThroughTheAlb("api/services"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var listed = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(listed.GetProperty("services").EnumerateArray(),
            s => s.GetProperty("name").GetString() == DashboardStack.ServiceName && s.GetProperty("desiredCount").GetInt32() == 2);
    }

    [Fact]
    public async Task The_task_definitions_configuration_serves_only_requests_the_stacks_alb_signed()
    {
        var host = deployment.Host ?? throw new InvalidOperationException("The stack was not created (see the other test).");
        Assert.Equal("Aws", (string?)deployment.Stack["environment"]!["Platform__Mode"]);
        Assert.Equal("AlbOidc", (string?)deployment.Stack["environment"]!["Auth__Mode"]);
        Assert.True((bool)deployment.Stack["readonlyRootFilesystem"]!);
        Assert.Equal(["PGPASSWORD", "PGUSER"], deployment.Stack["secrets"]!.AsObject().Select(s => s.Key).Order());

        using var http = host.CreateClient();
        using var unsigned = await http.SendAsync(deployment.ThroughTheAlb("api/services", signed: false));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unsigned.StatusCode);
        using var otherHost = deployment.ThroughTheAlb("api/services");
        otherHost.Headers.Host = "elsewhere.example";
        using var refused = await http.SendAsync(otherHost);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        using var alive = await http.SendAsync(deployment.ThroughTheAlb("alive", signed: false));
        Assert.Equal(System.Net.HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Its_own_SecurityGroups_probe_passes_on_its_deployment()
    {
        var host = deployment.Host ?? throw new InvalidOperationException("The stack was not created (see the other test).");
        var run = await host.RunProbeAsync("security-groups");

        Assert.True(run.Outcome == ProbeOutcome.Pass, $"{run.Outcome}: {run.Message}");
        Assert.Equal($"service groups accept only {deployment.Moto.Seed.AlbSecurityGroup} on port {DashboardStack.ContainerPort}; ALB egress only to port {DashboardStack.ContainerPort}", run.Message);
    }
}
