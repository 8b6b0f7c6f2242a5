using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>
/// Several dashboards on one PostgreSQL store, as real processes (sandbox platform, 1 s probes, 2 s check-in): they
/// share one clustered schedule, so each scheduled fire runs once in the cluster; an instance killed with SIGKILL has
/// its triggers taken over within the check-in; SIGTERM stops an instance well inside ECS's 30 s; a rolling restart
/// misses no fire beyond one interval.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterTests(SharedPostgres postgres) : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Checkin = TimeSpan.FromSeconds(2);
    private static readonly string[] Probes = ["ecs", "heartbeat"];

    private readonly string _directory = Directory.CreateTempSubdirectory("cluster-").FullName;

    [Fact]
    public async Task Three_instances_run_each_scheduled_fire_once_in_the_cluster()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var a = await StartAsync(connectionString, "a");
        await using var b = await StartAsync(connectionString, "b");
        await using var c = await StartAsync(connectionString, "c");
        await WaitForCheckedInAsync(connectionString, 3);

        // A window of scheduled fires, measured on the server's clock (which stamps nothing here: the runs carry the
        // instances' start times, all on this machine's clock).
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(20));
        var to = DateTimeOffset.UtcNow;

        var runs = await ScheduledRunsAsync(connectionString, from, to);
        var expected = (to - from) / Interval;
        foreach (var probe in Probes)
        {
            var starts = runs.Where(r => r.Probe == probe).Select(r => r.StartedAt).Order().ToList();
            // None twice: in memory each instance would run every fire, three times the rate; a fire late past its
            // threshold on a loaded machine runs once, at once, and the schedule goes on from there.
            Assert.InRange(starts.Count, expected - 3, expected + 2);
            // Two instances running one fire would start within milliseconds of each other.
            var gaps = starts.Zip(starts.Skip(1), (x, y) => y - x).ToList();
            Assert.All(gaps, gap => Assert.True(gap >= Interval / 10, $"{probe}: runs {gap.TotalMilliseconds} ms apart"));
        }

        Assert.Equal(3, await CheckedInAsync(connectionString));
        // Which instance runs a fire is Quartz's choice: near random when busy, the node that was just active when not
        // (its clustering documentation), so two probes may all run on one instance. That is not asserted; every run
        // names an instance of the cluster.
        Assert.All(runs, run => Assert.False(string.IsNullOrEmpty(run.Instance)));
        Assert.All(new[] { a, b, c }, instance => Assert.False(instance.HasExited, instance.Output));
    }

    [Fact]
    public async Task A_killed_instances_triggers_are_taken_over_within_the_checkin_and_sigterm_stops_an_instance_promptly()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var a = await StartAsync(connectionString, "a");
        await using var b = await StartAsync(connectionString, "b");
        await WaitForCheckedInAsync(connectionString, 2);
        await Task.Delay(TimeSpan.FromSeconds(4));

        var killedAt = DateTimeOffset.UtcNow;
        a.Kill();
        await a.WaitForExitAsync();
        // Dead after two silent check-ins, found at the next check-in of the survivor: its scheduler state row goes.
        await WaitForCheckedInAsync(connectionString, 1);
        var tookOverAt = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(4));

        var runs = await ScheduledRunsAsync(connectionString, killedAt - TimeSpan.FromSeconds(3), DateTimeOffset.UtcNow);
        Assert.True(tookOverAt - killedAt < Checkin * 3 + TimeSpan.FromSeconds(5), $"taken over after {(tookOverAt - killedAt).TotalSeconds:0.0} s");
        foreach (var probe in Probes)
        {
            var starts = runs.Where(r => r.Probe == probe).Select(r => r.StartedAt).Order().ToList();
            var longest = starts.Zip(starts.Skip(1), (x, y) => y - x).DefaultIfEmpty(TimeSpan.MaxValue).Max();
            // A probe whose run or trigger the killed instance held waits for the takeover, no longer; the others go on.
            Assert.True(longest <= tookOverAt - killedAt + Interval * 3, $"{probe}: {longest.TotalSeconds:0.0} s without a run");
            Assert.Contains(starts, s => s > tookOverAt);
        }

        // The run the killed instance had under way (if any) is closed by the cluster's sweep, not left running.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (await RunningAsync(connectionString, a.Id) > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token);
            }
        }

        var stopping = DateTimeOffset.UtcNow;
        b.Terminate();
        Assert.Equal(0, await b.WaitForExitAsync());
        Assert.True(DateTimeOffset.UtcNow - stopping < TimeSpan.FromSeconds(20), $"SIGTERM took {(DateTimeOffset.UtcNow - stopping).TotalSeconds:0.0} s: {b.Output}");
        // Its own runs were finished or closed as Interrupted on the way out.
        Assert.Equal(0, await RunningAsync(connectionString, b.Id));
    }

    [Fact]
    public async Task A_rolling_restart_misses_no_scheduled_fire_beyond_one_interval()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        var instances = new List<DashboardProcess> { await StartAsync(connectionString, "r0") };
        try
        {
            await WaitForCheckedInAsync(connectionString, 1);
            var from = DateTimeOffset.UtcNow;
            // As ECS deploys: the new task starts, then the old one gets SIGTERM; three times.
            for (var i = 1; i <= 3; i++)
            {
                instances.Add(await StartAsync(connectionString, $"r{i}"));
                var old = instances[^2];
                old.Terminate();
                Assert.Equal(0, await old.WaitForExitAsync());
            }

            await Task.Delay(Interval * 3);
            var runs = await ScheduledRunsAsync(connectionString, from, DateTimeOffset.UtcNow);
            foreach (var probe in Probes)
            {
                var starts = runs.Where(r => r.Probe == probe).Select(r => r.StartedAt).Order().ToList();
                var longest = starts.Zip(starts.Skip(1), (x, y) => y - x).Max();
                // One fire missed at most (a run cut short by SIGTERM is stored, Interrupted), plus a loaded machine's jitter.
                Assert.True(longest <= Interval * 2 + TimeSpan.FromSeconds(1), $"{probe}: {longest.TotalSeconds:0.0} s without a run");
            }

            // The fires moved along with the instances.
            Assert.True(runs.Select(r => r.Instance).Distinct().Count() >= 3);
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_scale_request_on_one_instance_while_anothers_change_is_in_flight_is_refused_409()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Store:Provider"] = "Postgres";
        settings["Store:ConnectionString"] = await postgres.Server.CreateDatabaseAsync();
        // The rollout stays in flight for the test's length.
        settings["Sandbox:TaskStartDelay"] = "00:01:00";
        await using var a = await DashboardHost.StartAsync(settings);
        await using var b = await DashboardHost.StartAsync(settings);
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();
        const string hermes = "webordinary-hermes-service";

        using var accepted = await httpA.PostAsJsonAsync($"api/services/{hermes}/scale", new { desiredCount = 2 });
        using var refused = await httpB.PostAsJsonAsync($"api/services/{hermes}/scale", new { desiredCount = 0 });

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains("to 2", detail);
        Assert.Contains("another instance", detail);
    }

    private async Task<DashboardProcess> StartAsync(string connectionString, string name)
    {
        var settings = DashboardHost.BaseSettings();
        settings["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information";
        settings["Store:Provider"] = "Postgres";
        settings["Store:ConnectionString"] = connectionString;
        settings["Store:CheckinInterval"] = Checkin.ToString();
        settings["Dashboard:DataDirectory"] = Path.Combine(_directory, name);
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName, interval: Interval.ToString());
        DashboardHost.AddProbe(settings, "heartbeat", CloudWatchHeartbeatProbe.KindName, interval: Interval.ToString());
        var instance = DashboardProcess.Start(_directory, settings);
        await instance.WaitUntilAliveAsync();
        return instance;
    }

    private static async Task<long> CheckedInAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM qrtz_scheduler_state;");
    }

    /// <summary>Until <paramref name="count"/> instances are checked in (no event tells this process; the table is polled).</summary>
    private static async Task WaitForCheckedInAsync(string connectionString, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await CheckedInAsync(connectionString) != count)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    /// <summary>Runs still open of the instance in process <paramref name="pid"/> (instance ids are host-pid-random).</summary>
    private static async Task<long> RunningAsync(string connectionString, int pid)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM runs WHERE ended_at IS NULL AND instance_id LIKE @pattern;",
            new { pattern = $"%-{pid}-%" });
    }

    private static async Task<List<(string Probe, DateTimeOffset StartedAt, string Instance)>> ScheduledRunsAsync(string connectionString, DateTimeOffset from, DateTimeOffset to)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        var rows = await connection.QueryAsync<(string Probe, long StartedAt, string Instance)>(
            """
            SELECT k.probe_id, r.started_at, r.instance_id FROM runs r JOIN probe_keys k ON k.key = r.probe_key
            WHERE r.trigger = 'Schedule' AND r.started_at >= @from AND r.started_at < @to;
            """,
            new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() });
        return [.. rows.Select(r => (r.Probe, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt), r.Instance))];
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A killed process's files: the temporary directory is cleaned up with the machine's.
        }
    }
}
