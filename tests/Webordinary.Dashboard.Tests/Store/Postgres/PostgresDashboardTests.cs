using System.Net;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>
/// The dashboard on PostgreSQL (<c>Store:Provider=Postgres</c>), in process: it migrates the database at start, runs the
/// sandbox probes and shows their runs; with the server stopped mid-run it is unhealthy (503) naming the store, says so
/// on the overview, keeps the runs made meanwhile in memory, and stores every one once the server is back.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresDashboardTests(SharedPostgres postgres)
{
    [Fact]
    public async Task The_dashboard_on_PostgreSQL_stores_and_shows_runs_and_keeps_those_made_while_the_server_is_down()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Store:Provider"] = "Postgres";
        settings["Store:ConnectionString"] = await postgres.Server.CreateDatabaseAsync();
        // One instance scheduling in memory keeps probing while the server is down (clustered, the schedule is in the
        // server: nothing fires until it is back, as the next test shows).
        settings["Store:ClusteredScheduling"] = "false";
        DashboardHost.AddProbe(settings, "hermes", "HermesHealth", interval: "00:00:01");
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var store = host.Get<IStore>();
        using var http = host.CreateClient();
        var first = await recorder.WaitForCompletionAsync("hermes");
        Assert.Equal("Healthy", await http.GetStringAsync("health"));
        Assert.Contains(first.Run.Id, await http.GetStringAsync("api/probes/hermes/runs"));

        var during = new List<ProbeRun>();
        string healthText;
        HttpStatusCode healthStatus;
        string overview;
        await postgres.Server.StopAsync();
        try
        {
            var failing = await recorder.WaitForAsync<RunCompletedEvent>(_ => !store.Health.Healthy, TimeSpan.FromSeconds(30));
            // Runs go on while nothing can be stored: two more, kept in memory.
            for (var i = 0; i < 2; i++)
            {
                during.Add((await recorder.WaitForCompletionAsync("hermes", match: e => e.Run.StartedAt > (during.LastOrDefault() ?? failing.Run).StartedAt)).Run);
            }

            var health = await http.GetAsync("health");
            healthStatus = health.StatusCode;
            healthText = await health.Content.ReadAsStringAsync();
            overview = await http.GetStringAsync("/");
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthStatus);
        Assert.StartsWith("Unhealthy", healthText);
        Assert.Contains(store.Location, healthText);
        Assert.Contains("Results are not being stored", overview);

        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.HealthChanged += h =>
        {
            if (h.Healthy)
            {
                recovered.TrySetResult();
            }
        };
        if (!store.Health.Healthy)
        {
            await recovered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        foreach (var run in during)
        {
            var stored = await host.Get<IResultsStore>().GetRunAsync(run.Id, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal((run.Outcome, run.Steps.Count), (stored!.Outcome, stored.Steps.Count));
        }

        Assert.Equal("Healthy", await http.GetStringAsync("health"));
    }

    [Fact]
    public async Task A_server_unreachable_at_start_lets_the_dashboard_start_and_say_so_and_everything_loads_once_it_is_back()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Store:Provider"] = "Postgres";
        settings["Store:ConnectionString"] = await postgres.Server.CreateDatabaseAsync();
        DashboardHost.AddProbe(settings, "hermes", "HermesHealth", interval: "00:00:01");
        // A scale schedule reads its pauses from the store at start: it waits with the other loads.
        settings["Scaling:Schedules:park-never:Service"] = "webordinary-hermes-service";
        settings["Scaling:Schedules:park-never:Cron"] = DashboardHost.NeverCron;
        settings["Scaling:Schedules:park-never:DesiredCount"] = "0";
        await postgres.Server.StopAsync();
        DashboardHost host;
        IReadOnlyList<string> waiting;
        HttpStatusCode alive;
        HttpResponseMessage health;
        string overview;
        try
        {
            host = await DashboardHost.StartAsync(settings);
            using var http = host.CreateClient();
            alive = (await http.GetAsync("alive")).StatusCode;
            health = await http.GetAsync("health");
            overview = await http.GetStringAsync("/");
            waiting = host.Get<StartupLoads>().Waiting;
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        await using (host)
        {
            var store = host.Get<IStore>();
            var loads = host.Get<StartupLoads>();
            Assert.Equal(HttpStatusCode.OK, alive);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var healthText = await health.Content.ReadAsStringAsync();
            Assert.Contains(store.Location, healthText);
            Assert.Contains("Waiting for the store to load open incidents", overview);
            Assert.Contains("schedule pauses", waiting);
            Assert.Contains(ProbeScheduleSetup.ScheduleLoad, waiting);

            // Once the server is back the flusher applies the schema, writes what waited, then runs the loads.
            using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
            var after = await recorder.WaitForAsync<RunCompletedEvent>(_ => loads.Waiting.Count == 0 && store.Health.Healthy, TimeSpan.FromSeconds(60));
            using var client = host.CreateClient();
            var next = await recorder.WaitForCompletionAsync("hermes", match: e => e.Run.StartedAt > after.Run.StartedAt);
            Assert.NotNull(await host.Get<IResultsStore>().GetRunAsync(next.Run.Id, CancellationToken.None));
            Assert.Equal("Healthy", await client.GetStringAsync("health"));
            Assert.True(loads.IsLoaded("schedule pauses"));
        }
    }
}
