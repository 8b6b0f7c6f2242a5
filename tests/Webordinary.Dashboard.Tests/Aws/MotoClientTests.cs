using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>Every operation of the hand-written clients (and the DynamoDB adapter) round-trips against moto.</summary>
public sealed class MotoClientTests(MotoFixture fixture) : IClassFixture<MotoFixture>
{
    private readonly MotoSeed _seed = fixture.Moto.Seed;
    private readonly AwsClients _aws = new(fixture.Moto.AwsSettings());

    [Fact]
    public async Task Ecs_describes_the_cluster_and_an_unknown_cluster_is_a_typed_not_found()
    {
        var cluster = await _aws.Ecs.DescribeClusterAsync(_seed.Cluster, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<PlatformResourceNotFoundException>(() => _aws.Ecs.DescribeClusterAsync("no-such-cluster", CancellationToken.None));

        Assert.Equal(_seed.Cluster, cluster.Name);
        Assert.Equal("ACTIVE", cluster.Status);
        Assert.EndsWith($"cluster/{_seed.Cluster}", cluster.Arn);
        Assert.Equal("ClusterNotFoundException", missing.ErrorCode);
    }

    [Fact]
    public async Task Ecs_lists_every_service_of_the_cluster()
    {
        var arns = await _aws.Ecs.ListServicesAsync(_seed.Cluster, CancellationToken.None);

        Assert.Equal(_seed.Services.Order(), arns.Select(a => a[(a.LastIndexOf('/') + 1)..]).Order());
    }

    [Fact]
    public async Task Ecs_describes_a_service_with_deployments_and_an_unknown_service_fails_via_failures()
    {
        var service = await _aws.Ecs.DescribeServiceAsync(_seed.Cluster, _seed.Service, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<PlatformResourceNotFoundException>(
            () => _aws.Ecs.DescribeServiceAsync(_seed.Cluster, "no-such-service", CancellationToken.None));

        Assert.Equal(_seed.Service, service.Name);
        Assert.Equal("ACTIVE", service.Status);
        var deployment = Assert.Single(service.Deployments);
        Assert.Equal("PRIMARY", deployment.Status);
        Assert.NotNull(deployment.RolloutState);
        Assert.NotNull(deployment.CreatedAt);
        Assert.Equal("ServiceNotFoundException", missing.ErrorCode);
        Assert.Contains("MISSING", missing.ErrorMessage);
    }

    [Fact]
    public async Task Ecs_update_service_changes_the_desired_count()
    {
        const string worker = "webordinary-worker-03";

        var updated = await _aws.Ecs.UpdateDesiredCountAsync(_seed.Cluster, worker, 2, CancellationToken.None);
        var described = await _aws.Ecs.DescribeServiceAsync(_seed.Cluster, worker, CancellationToken.None);
        await _aws.Ecs.UpdateDesiredCountAsync(_seed.Cluster, worker, 0, CancellationToken.None);

        Assert.Equal(2, updated.DesiredCount);
        Assert.Equal(2, described.DesiredCount);
    }

    [Fact]
    public async Task Ecs_lists_the_services_tasks()
    {
        // moto runs no tasks: the call must still round-trip (ListTasks, then DescribeTasks when there are any).
        var tasks = await _aws.Ecs.ListServiceTasksAsync(_seed.Cluster, _seed.Service, CancellationToken.None);

        Assert.All(tasks, t => Assert.StartsWith("arn:aws:ecs:", t.Arn));
    }

    [Fact]
    public async Task Elb_describes_load_balancers_target_groups_by_name_and_arn_and_target_health()
    {
        var balancers = await _aws.Elb.DescribeLoadBalancersAsync(CancellationToken.None);
        var byName = await _aws.Elb.DescribeTargetGroupAsync(_seed.TargetGroupName, CancellationToken.None);
        var byArn = await _aws.Elb.DescribeTargetGroupAsync(_seed.TargetGroupArn, CancellationToken.None);
        var health = await _aws.Elb.DescribeTargetHealthAsync(_seed.TargetGroupName, CancellationToken.None);

        Assert.Contains(balancers, b => b.Arn == _seed.LoadBalancerArn && b.Name == "webordinary-alb");
        Assert.Equal(_seed.TargetGroupArn, byName.Arn);
        Assert.Equal(byName, byArn with { LoadBalancerArns = byName.LoadBalancerArns });
        Assert.Equal(3000, byName.Port);
        Assert.Equal(["10.0.1.10", "10.0.2.10"], health.Select(t => t.TargetId).Order());
        Assert.All(health, t => Assert.Equal(3000, t.Port));
        Assert.All(health, t => Assert.False(string.IsNullOrEmpty(t.State)));
    }

    [Fact]
    public async Task Ecs_describes_many_services_ten_a_call_and_leaves_out_the_unknown_ones()
    {
        var proxy = await CountingProxy.StartAsync(fixture.Moto.Endpoint);
        await using var _ = proxy;
        var aws = new AwsClients(new Dictionary<string, string?>(fixture.Moto.AwsSettings()) { ["Aws:ServiceUrl"] = proxy.Endpoint.ToString() });

        var services = await aws.Ecs.DescribeServicesAsync(_seed.Cluster, [.. _seed.Services, "no-such-service"], CancellationToken.None);

        Assert.Equal(_seed.Services.Order(), services.Select(s => s.Name).Order());
        Assert.Equal(2, proxy.Count("ecs", "DescribeServices"));
        var hermes = services.Single(s => s.Name == _seed.Service);
        Assert.Equal([_seed.ServiceSecurityGroup], hermes.SecurityGroups);
        Assert.Equal(new EcsLoadBalancerBinding(_seed.TargetGroupArn, "hermes", 3000), Assert.Single(hermes.LoadBalancers!));
    }

    [Fact]
    public async Task Elb_target_health_by_name_finds_a_target_group_made_again_under_the_same_name()
    {
        var first = await CreateTargetGroupAsync("recreated-tg");
        var before = await _aws.Elb.DescribeTargetHealthAsync("recreated-tg", CancellationToken.None);
        await QueryAsync("DeleteTargetGroup", ("TargetGroupArn", first));
        var second = await CreateTargetGroupAsync("recreated-tg");

        var after = await _aws.Elb.DescribeTargetHealthAsync("recreated-tg", CancellationToken.None);

        Assert.NotEqual(first, second);
        Assert.Empty(before);
        Assert.Empty(after);
        Assert.Equal(second, (await _aws.Elb.DescribeTargetGroupAsync("recreated-tg", CancellationToken.None)).Arn);
    }

    [Fact]
    public async Task Elb_unknown_target_group_is_a_typed_not_found_with_request_id()
    {
        var byName = await Assert.ThrowsAsync<PlatformResourceNotFoundException>(
            () => _aws.Elb.DescribeTargetHealthAsync("no-such-tg", CancellationToken.None));
        var byArn = await Assert.ThrowsAsync<PlatformResourceNotFoundException>(() => _aws.Elb.DescribeTargetHealthAsync(
            _seed.TargetGroupArn.Replace("webordinary-hermes-tg", "no-such-tg"), CancellationToken.None));

        Assert.Equal("TargetGroupNotFound", byName.ErrorCode);
        Assert.Equal("TargetGroupNotFound", byArn.ErrorCode);
        Assert.Equal(400, byArn.HttpStatus);
        Assert.False(string.IsNullOrEmpty(byArn.RequestId));
    }

    [Fact]
    public async Task CloudWatch_puts_a_metric_and_reads_its_statistics_back()
    {
        var dimensions = new Dictionary<string, string> { ["Probe"] = "moto-test" };
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);

        await _aws.CloudWatch.PutMetricDataAsync("Webordinary/Test", [new MetricDatum("Heartbeat", 1, "Count", dimensions)], CancellationToken.None);
        await _aws.CloudWatch.PutMetricDataAsync("Webordinary/Test", [new MetricDatum("Heartbeat", 2, "Count", dimensions)], CancellationToken.None);
        var points = await _aws.CloudWatch.GetMetricStatisticsAsync("Webordinary/Test", "Heartbeat", dimensions,
            before, DateTimeOffset.UtcNow.AddMinutes(5), TimeSpan.FromMinutes(60), "Sum", CancellationToken.None);

        Assert.Equal(3, points.Sum(p => p.Value));
    }

    [Fact]
    public async Task Efs_describes_the_file_system_and_its_mount_targets_and_an_unknown_one_is_not_found()
    {
        var fileSystem = await _aws.Efs.DescribeFileSystemAsync(_seed.FileSystemId, CancellationToken.None);
        var mounts = await _aws.Efs.DescribeMountTargetsAsync(_seed.FileSystemId, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<PlatformResourceNotFoundException>(
            () => _aws.Efs.DescribeFileSystemAsync("fs-00000000", CancellationToken.None));

        Assert.Equal("available", fileSystem.LifeCycleState);
        Assert.Equal(_seed.MountTargets.Order(), mounts.Select(m => m.MountTargetId).Order());
        Assert.All(mounts, m => Assert.Equal("available", m.LifeCycleState));
        Assert.Equal("FileSystemNotFound", missing.ErrorCode);
    }

    [Fact]
    public async Task DynamoDb_learns_the_key_schema_and_round_trips_an_item()
    {
        var table = await _aws.DynamoDb.DescribeTableAsync(_seed.Table, CancellationToken.None);
        var key = new Dictionary<string, object> { ["sessionId"] = "dashboard-probe-test", ["createdAt"] = 1764000000L };
        await _aws.DynamoDb.PutItemAsync(_seed.Table, new Dictionary<string, object>(key) { ["marker"] = "m-1" }, CancellationToken.None);
        var read = await _aws.DynamoDb.GetItemAsync(_seed.Table, key, CancellationToken.None);
        await _aws.DynamoDb.DeleteItemAsync(_seed.Table, key, CancellationToken.None);
        var gone = await _aws.DynamoDb.GetItemAsync(_seed.Table, key, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<PlatformResourceNotFoundException>(
            () => _aws.DynamoDb.DescribeTableAsync("no-such-table", CancellationToken.None));

        Assert.Equal("ACTIVE", table.Status);
        Assert.Equal([new DynamoKeyAttribute("sessionId", DynamoKeyType.Hash, DynamoScalarType.S), new DynamoKeyAttribute("createdAt", DynamoKeyType.Range, DynamoScalarType.N)],
            table.KeySchema);
        Assert.Equal("m-1", read!["marker"]);
        Assert.Equal(1764000000m, read["createdAt"]);
        Assert.Null(gone);
        Assert.Equal("ResourceNotFoundException", missing.ErrorCode);
    }

    /// <summary>An ELBv2 call the dashboard does not make itself, through its own transport (moto accepts it).</summary>
    private async Task<string> QueryAsync(string action, params (string Name, string Value)[] parameters)
    {
        var list = parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)).ToList();
        return await _aws.Transport.SendAsync(AwsService.Elb, action, endpoint => AwsTransport.QueryRequest(endpoint, action, "2015-12-01", list), CancellationToken.None);
    }

    private async Task<string> CreateTargetGroupAsync(string name)
    {
        var reply = await QueryAsync("CreateTargetGroup", ("Name", name), ("Protocol", "HTTP"), ("Port", "3000"), ("VpcId", _seed.VpcId), ("TargetType", "ip"));
        return System.Xml.Linq.XDocument.Parse(reply).Descendants().First(e => e.Name.LocalName == "TargetGroupArn").Value;
    }
}

/// <summary>The session rows the flows write, find and remove, against moto's table (hash S + range N).</summary>
public sealed class MotoSessionRowsTests(MotoFixture fixture) : IClassFixture<MotoFixture>
{
    [Fact]
    public async Task Fallback_row_is_created_found_scanned_and_deleted_through_the_real_dynamodb_client()
    {
        var aws = new AwsClients(fixture.Moto.AwsSettings());
        var rows = new Webordinary.Dashboard.Probes.Sessions.SessionRows(aws.DynamoDb, aws.Options, TimeProvider.System);
        var sessionId = Webordinary.Dashboard.Probes.Sessions.HermesSessions.NewSessionId();

        await rows.CreateAsync(sessionId, DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);
        var found = await rows.FindAsync(sessionId, CancellationToken.None);
        var marked = await rows.FindMarkedAsync(CancellationToken.None);
        var deleted = await rows.DeleteAsync(sessionId, CancellationToken.None);

        var row = Assert.Single(found);
        Assert.Equal("fallback", row["status"]);
        Assert.True(row.ContainsKey("createdAt"));
        var (_, expiresAt) = Assert.Single(marked, m => m.SessionId == sessionId);
        Assert.True(expiresAt < DateTimeOffset.UtcNow);
        Assert.Equal(1, deleted);
        Assert.Empty(await rows.FindAsync(sessionId, CancellationToken.None));
    }
}
