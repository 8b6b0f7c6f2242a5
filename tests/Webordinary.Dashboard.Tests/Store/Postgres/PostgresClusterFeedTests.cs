using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Storage.Changes;
using Webordinary.Dashboard.Storage.Postgres;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>
/// Two dashboards (in process, each its own host, pool and feed) on one PostgreSQL database: what happens on A is seen
/// on B as it happens — a run on B's hub, a maintenance window, an API key made and revoked, a schedule's pause.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterFeedTests(SharedPostgres postgres)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private const string AdminKey = "wdk_admin-key-for-the-cluster-feed-tests-0001";

    [Fact]
    public async Task A_run_stored_on_A_reaches_a_hub_client_on_B()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        var onA = Settings(database);
        DashboardHost.AddProbe(onA, "hermes", "HermesHealth", interval: "00:00:01");
        var onB = Settings(database);
        // B knows the probe but never runs it: what its hub pushes is A's.
        DashboardHost.AddProbe(onB, "hermes", "HermesHealth");
        // Each instance schedules its own probes (in memory), so the run is A's: with clustered scheduling either
        // instance may take a fire, and B's start would replace A's trigger with its own schedule.
        onA["Store:ClusteredScheduling"] = "false";
        onB["Store:ClusteredScheduling"] = "false";
        await using var a = await DashboardHost.StartAsync(onA);
        await using var b = await DashboardHost.StartAsync(onB);
        await b.Get<PostgresChangeListener>().Listening.WaitAsync(Wait);
        using var ranOnA = new FeedRecorder(a.Get<ProbeStatusFeed>());
        var pushedOnB = new TaskCompletionSource<RunDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(b.BaseAddress, StatusHub.Path.TrimStart('/')))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter())).Build();
        hub.On<RunDto>(nameof(IStatusHubClient.RunCompleted), run => pushedOnB.TrySetResult(run));
        await hub.StartAsync();

        var pushed = await pushedOnB.Task.WaitAsync(Wait);

        var ranHere = await ranOnA.WaitForAsync<RunCompletedEvent>(e => e.Run.Id == pushed.Id, Wait);
        Assert.Equal("hermes", pushed.ProbeId);
        Assert.Equal(ranHere.Run.StartedAt, pushed.StartedAt);
        using var http = b.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        // Stored before it was announced: B reads it from the store.
        Assert.Contains(pushed.Id, await http.GetStringAsync("api/probes/hermes/runs"));
    }

    [Fact]
    public async Task A_maintenance_window_an_API_key_and_a_pause_made_on_A_apply_on_B_at_once()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var alb = await AlbSigner.StartAsync();
        var settings = Settings(database, alb);
        await using var a = await DashboardHost.StartAsync(settings);
        await using var b = await DashboardHost.StartAsync(settings);
        await b.Get<PostgresChangeListener>().Listening.WaitAsync(Wait);
        var changesOnB = b.Get<ChangeFeed>();
        var actor = new Actor("ada", "Ada Admin", "alb");

        var windowOnB = Arrival<MaintenanceWindowAdded>(changesOnB);
        var made = await a.Get<MaintenanceWindows>().AddAsync(new MaintenanceRequest("database upgrade", TimeSpan.FromHours(1)), "ada", CancellationToken.None);
        Assert.Equal(made.Window!.Id, (await windowOnB.WaitAsync(Wait)).Window.Id);
        Assert.Contains(b.Get<MaintenanceWindows>().Active(), w => w.Window.Id == made.Window.Id);
        var endedOnB = Arrival<MaintenanceWindowEnded>(changesOnB);
        Assert.Equal(MaintenanceWindows.EndResult.Ended, await a.Get<MaintenanceWindows>().EndAsync(made.Window.Id, "ada", CancellationToken.None));
        await endedOnB.WaitAsync(Wait);
        Assert.DoesNotContain(b.Get<MaintenanceWindows>().List(), w => w.Window.Id == made.Window.Id);

        var keyOnB = Arrival<ApiKeyCreated>(changesOnB);
        var (_, secret, error) = await a.Get<ApiKeyStore>().CreateAsync("ci-bot", DashboardRole.Viewer, actor, CancellationToken.None);
        Assert.Null(error);
        await keyOnB.WaitAsync(Wait);
        using var withKey = b.CreateClient();
        withKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("api/probes")).StatusCode);
        var revokedOnB = Arrival<ApiKeyRevoked>(changesOnB);
        Assert.True(await a.Get<ApiKeyStore>().RevokeAsync("ci-bot", actor, CancellationToken.None));
        await revokedOnB.WaitAsync(Wait);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("api/probes")).StatusCode);

        Assert.True(await a.Get<ScaleSchedules>().SetPausedAsync(AttackTarget.Schedule, paused: true, CancellationToken.None));
        // B's scheduler is told on a pump of its own: wait for its trigger's state, not a time.
        await EventuallyAsync(async () => (await b.Get<ScaleSchedules>().ListAsync(CancellationToken.None)).Single(s => s.Name == AttackTarget.Schedule).Paused,
            "The pause made on A did not reach B's scheduler.");
    }

    [Fact]
    public async Task One_instance_polls_ECS_the_other_shows_its_reads_and_takes_the_polling_over_when_it_stops()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        var settings = Settings(database);
        await using var a = await DashboardHost.StartAsync(settings);
        await EventuallyAsync(() => Task.FromResult(a.Get<ServiceMonitor>().Polling), "A, alone, did not take the poller's lease.");
        await using var b = await DashboardHost.StartAsync(settings);
        await b.Get<PostgresChangeListener>().Listening.WaitAsync(Wait);
        var readOnA = Arrival<ServicesObserved>(b.Get<ChangeFeed>());

        var read = await readOnA.WaitAsync(Wait);

        Assert.False(b.Get<ServiceMonitor>().Polling);
        Assert.Contains(read.Snapshot.Services, s => s.Service.Name == AttackTarget.Hermes && s.Service.DesiredCount == 1);
        Assert.Equal(read.Snapshot.ObservedAt, b.Get<ServiceStatusFeed>().Current.ObservedAt);

        await a.StopAsync();
        await EventuallyAsync(() => Task.FromResult(b.Get<ServiceMonitor>().Polling), "B did not take the poller's lease over from the stopped A.");
        var readOnB = Arrival<ServicesObserved>(b.Get<ChangeFeed>(), ChangeOrigin.ThisInstance);
        Assert.Contains((await readOnB.WaitAsync(Wait)).Snapshot.Services, s => s.Service.Name == AttackTarget.Hermes);
    }

    [Fact]
    public async Task A_sandbox_fault_injected_on_A_is_what_B_s_probes_see_and_one_cleared_on_B_is_cleared_on_A()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        var settings = Settings(database);
        await using var a = await DashboardHost.StartAsync(settings);
        await using var b = await DashboardHost.StartAsync(settings);
        await a.Get<PostgresChangeListener>().Listening.WaitAsync(Wait);
        await b.Get<PostgresChangeListener>().Listening.WaitAsync(Wait);
        var slow = new FaultSetting(FaultMode.Slow, LatencyMs: 1500);

        var onB = Arrival<SandboxFaultSet>(b.Get<ChangeFeed>());
        a.Get<FaultInjector>().Set(SandboxComponents.Ecs, slow);
        Assert.Equal(new SandboxFaultSet(SandboxComponents.Ecs, slow), await onB.WaitAsync(Wait));
        Assert.Equal(slow, b.Get<FaultInjector>().Get(SandboxComponents.Ecs));

        var onA = Arrival<SandboxFaultSet>(a.Get<ChangeFeed>());
        b.Get<FaultInjector>().ClearAll();
        Assert.Equal(FaultSetting.None, (await onA.WaitAsync(Wait)).Setting);
        Assert.Equal(FaultSetting.None, a.Get<FaultInjector>().Get(SandboxComponents.Ecs));
    }

    /// <summary>Waits for a state that no signal announces (a scheduler's trigger, a lease taken on a retry).</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTimeOffset.UtcNow + Wait;
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, failure);
            await Task.Delay(20);
        }
    }

    private static Dictionary<string, string?> Settings(string database, AlbSigner? alb = null)
    {
        var settings = alb is null ? DashboardHost.BaseSettings() : AttackTarget.Settings();
        alb?.Configure(settings);
        settings["Store:Provider"] = "Postgres";
        settings["Store:ConnectionString"] = database;
        settings["Auth:ApiKeys:deployer:Sha256"] = ApiKeyStore.Hash(AdminKey);
        settings["Auth:ApiKeys:deployer:Role"] = "Admin";
        return settings;
    }

    /// <summary>The next change of <typeparamref name="T"/> the feed hears (subscribed before the action, so it cannot be missed).</summary>
    private static Task<T> Arrival<T>(ChangeFeed feed, ChangeOrigin from = ChangeOrigin.OtherInstances) where T : DashboardChange
    {
        var arrived = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        IDisposable? subscription = null;
        subscription = feed.Subscribe<T>(change =>
        {
            arrived.TrySetResult(change);
            subscription?.Dispose();
        }, from);
        return arrived.Task;
    }
}
