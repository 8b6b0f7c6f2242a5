using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Postgres;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>Runs and steps on a real PostgreSQL server: what the SQLite store keeps, kept the same way.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresResultsStoreTests(SharedPostgres postgres) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123);
    private readonly FakeTimeProvider _time = new(T0.AddHours(1));
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync() => _dataSource = NpgsqlDataSource.Create(await postgres.Server.CreateDatabaseAsync());

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    /// <summary>A store as a new process has it: nothing remembered but what the database holds.</summary>
    private async Task<PostgresResultsStore> StartedStoreAsync()
    {
        var database = new PostgresDatabase(_dataSource, new PostgresSchema(_dataSource, NullLogger<PostgresSchema>.Instance), NullLogger<PostgresDatabase>.Instance);
        var store = new PostgresResultsStore(database, _time, NullLogger<PostgresResultsStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    [Fact]
    public async Task Run_and_steps_round_trip_with_every_field()
    {
        var store = await StartedStoreAsync();
        var run = new ProbeRun("run-1", "hermes", "HermesHealth", RunTrigger.Manual, T0, null, null, ProbeOutcome.Unknown, null, []);
        var pass = new StepResult(0, "Describe", StepOutcome.Pass, T0.AddMilliseconds(1), 12.5, "ACTIVE", null);
        var fail = new StepResult(1, "GET /hermes/health", StepOutcome.Fail, T0.AddMilliseconds(20), 301.25, null,
            new StepFailure("Aws", "Rate exceeded", "ThrottlingException", "req-42", 400));

        await store.InsertRunAsync(run, CancellationToken.None);
        await store.InsertStepAsync(run.Id, pass, CancellationToken.None);
        var running = await store.GetRunAsync(run.Id, CancellationToken.None);
        var completed = run with
        {
            EndedAt = T0.AddMilliseconds(400),
            DurationMs = 399.5,
            Outcome = ProbeOutcome.Fail,
            Message = "GET /hermes/health: ThrottlingException",
            Steps = [pass, fail],
            Metrics = new Dictionary<string, double> { ["coldStartMs"] = 812.5, ["sessions"] = 3 },
            MaintenanceWindow = "deploy: Friday release, until 18:00",
        };
        await store.CompleteRunAsync(completed, CancellationToken.None);
        var read = await (await StartedStoreAsync()).GetRunAsync(run.Id, CancellationToken.None);

        Assert.True(running!.IsRunning);
        Assert.Equal([pass], running.Steps);
        Assert.NotNull(read);
        Assert.Equal(completed with { Steps = [], Metrics = null }, read! with { Steps = [], Metrics = null });
        Assert.Equal(completed.Metrics, read.Metrics);
        Assert.Equal(completed.Steps, read.Steps);
    }

    [Fact]
    public async Task A_run_stored_only_at_its_end_comes_back_whole()
    {
        var store = await StartedStoreAsync();
        var run = new ProbeRun("late", "ecs", "EcsService", RunTrigger.Schedule, T0, T0.AddMilliseconds(90), 90, ProbeOutcome.Pass, "ok",
            [new StepResult(0, "DescribeServices", StepOutcome.Pass, T0.AddMilliseconds(2), 80, null, null)]);

        await store.InsertCompletedRunAsync(run, CancellationToken.None);

        var read = await store.GetRunAsync("late", CancellationToken.None);
        Assert.Equal(run with { Steps = [] }, read! with { Steps = [] });
        Assert.Equal(run.Steps, read.Steps);
    }

    [Fact]
    public async Task Runs_page_newest_first_with_a_before_cursor_and_are_counted_per_probe()
    {
        var store = await StartedStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.InsertRunAsync(new ProbeRun($"r{i}", "p", "K", RunTrigger.Schedule, T0.AddSeconds(i), T0.AddSeconds(i + 0.5), 500, ProbeOutcome.Pass, "ok", []),
                CancellationToken.None);
        }

        // The same probe id under a second kind (its kind changed in configuration) is the same probe's history.
        await store.InsertRunAsync(new ProbeRun("r5", "p", "K2", RunTrigger.Schedule, T0.AddSeconds(5), T0.AddSeconds(5.5), 500, ProbeOutcome.Pass, null, []),
            CancellationToken.None);
        await store.InsertRunAsync(new ProbeRun("other", "q", "K", RunTrigger.Schedule, T0, T0, 1, ProbeOutcome.Pass, null, []), CancellationToken.None);

        var first = await store.GetRunsAsync("p", 2, null, CancellationToken.None);
        var second = await store.GetRunsAsync("p", 2, first[^1].StartedAt, CancellationToken.None);
        var last = await store.GetRunsAsync("p", 2, second[^1].StartedAt, CancellationToken.None);

        Assert.Equal(["r5", "r4"], first.Select(r => r.Id));
        Assert.Equal(["r3", "r2"], second.Select(r => r.Id));
        Assert.Equal(["r1", "r0"], last.Select(r => r.Id));
        Assert.Equal(6, await store.CountRunsAsync("p", CancellationToken.None));
        Assert.Equal(0, await store.CountRunsAsync("nobody", CancellationToken.None));
    }

    [Fact]
    public async Task The_export_streams_completed_runs_in_range_oldest_first_across_pages()
    {
        var store = await StartedStoreAsync();
        var count = PostgresResultsStore.StreamPage * 2 + 7;
        // Pairs start in the same millisecond, so that the cursor must go by id within a start time.
        for (var i = 0; i < count; i++)
        {
            var started = T0.AddMilliseconds(i / 2);
            await store.InsertRunAsync(new ProbeRun($"run-{i:D5}", "p", "K", RunTrigger.Schedule, started, started.AddMilliseconds(5), 5, ProbeOutcome.Pass, null, []),
                CancellationToken.None);
        }

        await store.InsertRunAsync(new ProbeRun("still-running", "p", "K", RunTrigger.Schedule, T0.AddMilliseconds(3), null, null, ProbeOutcome.Unknown, null, []),
            CancellationToken.None);
        var to = T0.AddMilliseconds((count - 1) / 2);

        var streamed = new List<string>();
        await foreach (var run in store.StreamRunsAsync("p", T0, to, CancellationToken.None))
        {
            streamed.Add(run.Id);
        }

        // Everything that started before `to` and has ended, once each, in (start, id) order.
        var expected = Enumerable.Range(0, count).Where(i => i / 2 < (count - 1) / 2).Select(i => $"run-{i:D5}").ToList();
        Assert.Equal(expected, streamed);
    }

    [Fact]
    public async Task A_step_stored_again_at_its_index_replaces_the_first()
    {
        var store = await StartedStoreAsync();
        await store.InsertRunAsync(new ProbeRun("r", "p", "K", RunTrigger.Schedule, T0, null, null, ProbeOutcome.Unknown, null, []), CancellationToken.None);
        await store.InsertStepAsync("r", new StepResult(0, "Call", StepOutcome.Pass, T0, 10, "first", null), CancellationToken.None);

        var final = new StepResult(0, "Call", StepOutcome.Fail, T0.AddMilliseconds(1), 30_000, null, new StepFailure("Timeout", "no answer in 30 s"));
        await store.CompleteRunAsync(new ProbeRun("r", "p", "K", RunTrigger.Schedule, T0, T0.AddSeconds(30), 30_000, ProbeOutcome.Fail, "timed out", [final]),
            CancellationToken.None);

        Assert.Equal([final], (await store.GetRunAsync("r", CancellationToken.None))!.Steps);
    }

    [Fact]
    public async Task A_run_left_running_by_a_stopped_process_is_closed_as_interrupted_at_start()
    {
        var crashed = await StartedStoreAsync();
        await crashed.InsertRunAsync(new ProbeRun("ghost", "p", "K", RunTrigger.Schedule, T0, null, null, ProbeOutcome.Unknown, null, []), CancellationToken.None);
        await crashed.InsertCompletedRunAsync(new ProbeRun("done", "p", "K", RunTrigger.Schedule, T0, T0.AddSeconds(1), 1000, ProbeOutcome.Pass, "ok", []),
            CancellationToken.None);

        var restarted = await StartedStoreAsync();
        var ghost = await restarted.GetRunAsync("ghost", CancellationToken.None);
        var done = await restarted.GetRunAsync("done", CancellationToken.None);

        Assert.Equal((ProbeOutcome.Interrupted, IResultsStore.InterruptedMessage, _time.GetUtcNow()), (ghost!.Outcome, ghost.Message, ghost.EndedAt!.Value));
        Assert.Equal((ProbeOutcome.Pass, "ok"), (done!.Outcome, done.Message));
    }

    [Fact]
    public async Task Many_runs_of_a_new_probe_stored_at_once_share_one_probe_key_and_step_name()
    {
        var stores = new[] { await StartedStoreAsync(), await StartedStoreAsync() };

        // Two processes, none of which has seen the probe or the step: each asks the store for the keys at the same time.
        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => stores[i % 2].InsertCompletedRunAsync(
            new ProbeRun($"c{i}", "fresh", "Http", RunTrigger.Schedule, T0.AddSeconds(i), T0.AddSeconds(i + 1), 1000, ProbeOutcome.Pass, null,
                [new StepResult(0, "GET /", StepOutcome.Pass, T0.AddSeconds(i), 900, null, null)]),
            CancellationToken.None)));

        Assert.Equal(24, await stores[0].CountRunsAsync("fresh", CancellationToken.None));
        Assert.All(await stores[1].GetRunsAsync("fresh", 100, null, CancellationToken.None), run => Assert.Equal("GET /", Assert.Single(run.Steps).Name));
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var keys = new NpgsqlCommand("SELECT (SELECT COUNT(*) FROM probe_keys) * 100 + (SELECT COUNT(*) FROM step_names);", connection);
        Assert.Equal(101L, await keys.ExecuteScalarAsync());
    }
}
