using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using System.Net.Http.Json;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>The dashboard in Aws mode, pointed at moto (and at a stand-in ALB for /hermes/health).</summary>
public sealed class AwsModeHost : IAsyncLifetime
{
    private WebApplication? _alb;

    public MotoServer Moto { get; private set; } = null!;

    public DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        MotoServer.UseEnvironmentCredentials();
        Moto = await MotoServer.StartAsync();
        var alb = await StubServer.StartAsync(app => app.MapGet("/hermes/health", () => Results.Json(new { status = "healthy" })));
        _alb = alb;

        var settings = Moto.DashboardSettings(alb.Urls.First());
        // moto runs no tasks, so a rollout there never gets steady: let it time out quickly.
        settings["Scaling:RolloutTimeout"] = "00:00:01";
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "dynamo", DynamoDbTableProbe.KindName);
        DashboardHost.AddProbe(settings, "cloudwatch", CloudWatchHeartbeatProbe.KindName);
        DashboardHost.AddProbe(settings, "alb", AlbTargetHealthProbe.KindName);
        DashboardHost.AddProbe(settings, "efs", EfsFileSystemProbe.KindName);
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName);
        Host = await DashboardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_alb is not null)
        {
            await _alb.DisposeAsync();
        }

        await Moto.DisposeAsync();
    }
}

public sealed class AwsModeHostTests(AwsModeHost fixture) : IClassFixture<AwsModeHost>
{
    private readonly DashboardHost _host = fixture.Host;

    [Theory]
    [InlineData("dynamo")]
    [InlineData("cloudwatch")]
    [InlineData("alb")]
    [InlineData("efs")]
    [InlineData("hermes")]
    public async Task Connectivity_probe_passes_against_moto(string probeId)
    {
        var run = await _host.RunProbeAsync(probeId);

        Assert.True(run.Outcome == ProbeOutcome.Pass, $"{probeId}: {run.Outcome}: {run.Message}");
        Assert.Null(_host.Get<IPlatformStatus>().Problem);
    }

    [Fact]
    public async Task Ecs_probe_reports_the_counts_moto_gives()
    {
        // moto runs no tasks: its counts only move when the service is updated. The probe must say what ECS says.
        var aws = _host.Get<IOptions<AwsOptions>>().Value;
        var service = await _host.Get<IEcsClient>().DescribeServiceAsync(aws.Cluster, aws.Service, CancellationToken.None);
        // Another test may have changed the service behind the dashboard's back: the probe says what the monitor read.
        await _host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes()?.Service is { } seen
            && (seen.DesiredCount, seen.RunningCount, seen.PendingCount) == (service.DesiredCount, service.RunningCount, service.PendingCount));

        var run = await _host.RunProbeAsync("ecs");

        Assert.Equal(StepOutcome.Pass, run.Steps[0].Outcome);
        var counts = $"{service.RunningCount}/{service.DesiredCount} running, {service.PendingCount} pending";
        if (service.RunningCount == 0)
        {
            Assert.Equal(ProbeOutcome.Fail, run.Outcome);
            Assert.Contains($"No task running ({counts})", run.Steps[1].Failure!.Message);
        }
        else
        {
            Assert.Contains(counts, run.Message);
        }
    }

    [Fact]
    public async Task Deleted_table_fails_the_dynamodb_probe_naming_resource_not_found()
    {
        var table = fixture.Moto.Seed.Table;
        using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey),
            new AmazonDynamoDBConfig { ServiceURL = fixture.Moto.Endpoint.ToString(), AuthenticationRegion = fixture.Moto.Seed.Region });
        var described = (await dynamo.DescribeTableAsync(table)).Table;
        await dynamo.DeleteTableAsync(table);
        try
        {
            var run = await _host.RunProbeAsync("dynamo");

            Assert.Equal(ProbeOutcome.Fail, run.Outcome);
            var step = Assert.Single(run.Steps);
            Assert.Equal("Describe table", step.Name);
            Assert.Equal("ResourceNotFoundException", step.Failure!.ErrorCode);
            Assert.False(string.IsNullOrEmpty(step.Failure.RequestId));
        }
        finally
        {
            await dynamo.CreateTableAsync(new CreateTableRequest
            {
                TableName = table,
                KeySchema = described.KeySchema,
                AttributeDefinitions = described.AttributeDefinitions,
                BillingMode = BillingMode.PAY_PER_REQUEST,
            });
        }
    }

    [Fact]
    public async Task Scaling_through_the_api_updates_ecs_and_the_services_feed_shows_it()
    {
        var aws = _host.Get<IOptions<AwsOptions>>().Value;
        using var http = _host.CreateClient();

        var response = await http.PostAsJsonAsync($"api/services/{aws.Service}/scale", new { desiredCount = 2 });
        try
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            var seen = await _host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Find(aws.Service)?.Service.DesiredCount == 2);
            Assert.Equal(2, (await _host.Get<IEcsClient>().DescribeServiceAsync(aws.Cluster, aws.Service, CancellationToken.None)).DesiredCount);
            Assert.True(seen.Find(aws.Service)!.Scalable);
            var listed = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("api/services");
            Assert.Contains(listed.GetProperty("services").EnumerateArray(),
                s => s.GetProperty("name").GetString() == aws.Service && s.GetProperty("desiredCount").GetInt32() == 2);
        }
        finally
        {
            await _host.Get<IEcsClient>().UpdateDesiredCountAsync(aws.Cluster, aws.Service, 1, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Desired_count_zero_makes_the_ecs_probe_parked()
    {
        var aws = _host.Get<IOptions<AwsOptions>>().Value;
        var ecs = _host.Get<IEcsClient>();
        await ecs.UpdateDesiredCountAsync(aws.Cluster, aws.Service, 0, CancellationToken.None);
        try
        {
            // The probe takes the service from the services monitor's read, which a change made outside the dashboard reaches at its next read.
            await _host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes()?.Service.DesiredCount == 0);
            var run = await _host.RunProbeAsync("ecs");

            Assert.Equal(ProbeOutcome.Parked, run.Outcome);
            Assert.Equal(0, (await ecs.DescribeServiceAsync(aws.Cluster, aws.Service, CancellationToken.None)).DesiredCount);
        }
        finally
        {
            await ecs.UpdateDesiredCountAsync(aws.Cluster, aws.Service, 1, CancellationToken.None);
        }
    }
}
