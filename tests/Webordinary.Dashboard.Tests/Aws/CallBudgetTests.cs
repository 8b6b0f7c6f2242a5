using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Testing;
using Xunit.Abstractions;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>A cluster of 121 services in moto, behind a proxy that counts what the dashboard asks.</summary>
public sealed class BigClusterFixture : IAsyncLifetime
{
    public MotoServer Moto { get; private set; } = null!;

    public CountingProxy Proxy { get; private set; } = null!;

    public WebApplication Alb { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        MotoServer.UseEnvironmentCredentials();
        Moto = await MotoServer.StartAsync(workers: 120);
        Proxy = await CountingProxy.StartAsync(Moto.Endpoint);
        Alb = await StubServer.StartAsync(app => app.MapGet("/hermes/health", () => Results.Json(new { status = "healthy" })));
    }

    public async Task DisposeAsync()
    {
        await Alb.DisposeAsync();
        await Proxy.DisposeAsync();
        await Moto.DisposeAsync();
    }
}

/// <summary>
/// ECS requests a minute with the dashboard's default schedule (the services monitor's reads, the probes at their
/// appsettings intervals, the services API asked as often as pages ask), simulated over three minutes on a
/// controlled clock against 121 services: all steady, and one rolling out. ECS throttles cluster reads (a
/// bucket of 50); one DescribeServices a service made 362 a minute.
/// </summary>
public sealed class CallBudgetTests(BigClusterFixture fixture, ITestOutputHelper output) : IClassFixture<BigClusterFixture>
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(3);

    /// <summary>The probes that read AWS, at their intervals in appsettings.json.</summary>
    private static readonly (string Id, string Kind, TimeSpan Interval)[] Probes =
    [
        ("ecs-hermes-service", EcsServiceProbe.KindName, TimeSpan.FromSeconds(30)),
        ("alb-target-health", AlbTargetHealthProbe.KindName, TimeSpan.FromSeconds(30)),
        ("hermes-health", HermesHealthProbe.KindName, TimeSpan.FromSeconds(15)),
        ("dynamodb-session-table", DynamoDbTableProbe.KindName, TimeSpan.FromMinutes(1)),
        ("cloudwatch-heartbeat", CloudWatchHeartbeatProbe.KindName, TimeSpan.FromMinutes(1)),
        ("efs-workspaces", EfsFileSystemProbe.KindName, TimeSpan.FromMinutes(5)),
        ("security-groups", SecurityGroupsProbe.KindName, TimeSpan.FromMinutes(10)),
    ];

    [Fact]
    public async Task All_121_services_steady_stay_within_30_ecs_requests_a_minute()
    {
        // moto runs no tasks but sets running = desired: at 2 Hermes matches its two healthy targets, steady like the rest.
        await SetHermesDesiredCountAsync(2);

        var perMinute = await EcsRequestsPerMinuteAsync();

        Assert.InRange(perMinute, 1, 30);
    }

    [Fact]
    public async Task One_service_rolling_out_stays_within_90_ecs_requests_a_minute()
    {
        // At 1 with two healthy targets Hermes is not steady (a target is still to drain): it is polled as changing.
        await SetHermesDesiredCountAsync(1);

        var perMinute = await EcsRequestsPerMinuteAsync(expectChanging: true);

        Assert.InRange(perMinute, 1, 90);
    }

    private async Task<double> EcsRequestsPerMinuteAsync(bool expectChanging = false)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        fixture.Proxy.Clear();
        await using var host = await StartAsync(time);
        var feed = host.Get<ServiceStatusFeed>();
        var start = time.GetUtcNow();
        var end = start + Window;
        await ReadAtAsync(feed, start);
        Assert.Equal(121, feed.Current.Services.Count);
        Assert.Equal(expectChanging, !feed.Current.Hermes()!.IsSteady);

        var due = Probes.ToDictionary(p => p.Id, _ => start);
        var pagesDue = start;
        using var http = host.CreateClient();
        var runs = new List<ProbeRun>();
        while (true)
        {
            var monitorDue = feed.Current.NextReadAt!.Value;
            var next = new[] { monitorDue, due.Values.Min(), pagesDue }.Min();
            if (next >= end)
            {
                break;
            }

            time.Advance(next - time.GetUtcNow());
            if (next == monitorDue)
            {
                await ReadAtAsync(feed, next);
            }

            foreach (var (id, _, interval) in Probes.Where(p => due[p.Id] == next))
            {
                runs.Add(await host.RunProbeAsync(id));
                due[id] = next + interval;
            }

            if (next == pagesDue)
            {
                // Ten open pages or API clients: they read the monitor's snapshot, not ECS.
                for (var page = 0; page < 10; page++)
                {
                    (await http.GetAsync("api/services")).EnsureSuccessStatusCode();
                }

                pagesDue = next + TimeSpan.FromSeconds(15);
            }
        }

        Assert.All(runs, run => Assert.True(run.Outcome == ProbeOutcome.Pass, $"{run.ProbeId}: {run.Outcome}: {run.Message}"));
        var ecs = fixture.Proxy.Calls.Where(c => c.Service == "ecs").ToList();
        var describeServices = ecs.Where(c => c.Operation == "DescribeServices").ToList();
        Assert.All(describeServices, c => Assert.InRange(JsonNode.Parse(c.Body)!["services"]!.AsArray().Count, 1, 10));
        var listTasks = ecs.Where(c => c.Operation == "ListTasks").Select(c => JsonNode.Parse(c.Body)!["desiredStatus"]?.GetValue<string>()).ToList();
        Assert.Equal(listTasks.Count(s => s == "RUNNING"), listTasks.Count(s => s == "STOPPED"));
        Assert.DoesNotContain(null, listTasks);

        var perMinute = ecs.Count / Window.TotalMinutes;
        output.WriteLine($"{ecs.Count} ECS requests in {Window.TotalMinutes} simulated minutes = {perMinute:0.#} a minute: "
            + string.Join(", ", ecs.GroupBy(c => c.Operation).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")));
        output.WriteLine($"{runs.Count} probe runs; {fixture.Proxy.Calls.Count} AWS requests in all");
        return perMinute;
    }

    /// <summary>Waits (on the feed: a signal) until the monitor has published its read of <paramref name="at"/>.</summary>
    private static async Task ReadAtAsync(ServiceStatusFeed feed, DateTimeOffset at)
    {
        var read = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = feed.Subscribe(s =>
        {
            if (s.ObservedAt >= at)
            {
                read.TrySetResult();
            }
        });
        if (feed.Current.ObservedAt >= at)
        {
            return;
        }

        await read.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task<DashboardHost> StartAsync(FakeTimeProvider time)
    {
        var settings = fixture.Moto.DashboardSettings(fixture.Alb.Urls.First(), through: fixture.Proxy.Endpoint);
        // The shipped schedule, not the test hosts' fast one.
        settings.Remove("Scaling:PollInterval");
        settings.Remove("Scaling:RolloutPollInterval");
        foreach (var (id, kind, _) in Probes)
        {
            DashboardHost.AddProbe(settings, id, kind);
        }

        return await DashboardHost.StartAsync(settings, configureServices: services => services.AddSingleton<TimeProvider>(time));
    }

    /// <summary>Changes Hermes behind the dashboard's back (as the CLI would), before the dashboard starts.</summary>
    private Task SetHermesDesiredCountAsync(int count) =>
        new AwsClients(fixture.Moto.AwsSettings()).Ecs.UpdateDesiredCountAsync(fixture.Moto.Seed.Cluster, fixture.Moto.Seed.Service, count, CancellationToken.None);
}
