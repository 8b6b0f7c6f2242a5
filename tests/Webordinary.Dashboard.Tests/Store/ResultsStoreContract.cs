using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>Runs and their steps, for every engine: every field kept, paging, a crashed process's runs closed at start.</summary>
public abstract class ResultsStoreContract : StoreContract
{
    [Fact]
    public async Task Run_and_steps_round_trip_with_every_field()
    {
        var store = Get<IResultsStore>();
        await store.InitializeAsync(CancellationToken.None);
        var started = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123);
        var run = new ProbeRun("run-1", "hermes", "HermesHealth", RunTrigger.Manual, started, null, null, ProbeOutcome.Unknown, null, []);
        var pass = new StepResult(0, "Describe", StepOutcome.Pass, started.AddMilliseconds(1), 12.5, "ACTIVE", null);
        var fail = new StepResult(1, "GET /hermes/health", StepOutcome.Fail, started.AddMilliseconds(20), 301.25, null,
            new StepFailure("Aws", "Rate exceeded", "ThrottlingException", "req-42", 400));

        await store.InsertRunAsync(run, CancellationToken.None);
        await store.InsertStepAsync(run.Id, pass, CancellationToken.None);
        var running = await store.GetRunAsync(run.Id, CancellationToken.None);
        var completed = run with
        {
            EndedAt = started.AddMilliseconds(400),
            DurationMs = 399.5,
            Outcome = ProbeOutcome.Fail,
            Message = "GET /hermes/health: ThrottlingException",
            Steps = [pass, fail],
        };
        await store.CompleteRunAsync(completed, CancellationToken.None);
        var read = await (await OpenAsync()).GetRequiredService<IResultsStore>().GetRunAsync(run.Id, CancellationToken.None);

        Assert.True(running!.IsRunning);
        Assert.Equal([pass], running.Steps);
        Assert.NotNull(read);
        Assert.Equal(completed with { Steps = [] }, read! with { Steps = [] });
        Assert.Equal(completed.Steps, read.Steps);
    }

    [Fact]
    public async Task Runs_page_newest_first_with_a_before_cursor()
    {
        var store = Get<IResultsStore>();
        await store.InitializeAsync(CancellationToken.None);
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);
        for (var i = 0; i < 5; i++)
        {
            var run = new ProbeRun($"r{i}", "p", "K", RunTrigger.Schedule, t0.AddSeconds(i), t0.AddSeconds(i + 0.5), 500, ProbeOutcome.Pass, "ok", []);
            await store.InsertRunAsync(run, CancellationToken.None);
        }

        await store.InsertRunAsync(new ProbeRun("other", "q", "K", RunTrigger.Schedule, t0, t0, 1, ProbeOutcome.Pass, null, []), CancellationToken.None);

        var first = await store.GetRunsAsync("p", 2, null, CancellationToken.None);
        var second = await store.GetRunsAsync("p", 2, first[^1].StartedAt, CancellationToken.None);
        var last = await store.GetRunsAsync("p", 2, second[^1].StartedAt, CancellationToken.None);

        Assert.Equal(["r4", "r3"], first.Select(r => r.Id));
        Assert.Equal(["r2", "r1"], second.Select(r => r.Id));
        Assert.Equal(["r0"], last.Select(r => r.Id));
        Assert.Equal(5, await store.CountRunsAsync("p", CancellationToken.None));
    }

    [Fact]
    public async Task A_run_left_running_by_a_crashed_process_is_closed_as_interrupted_at_start()
    {
        var crashed = Get<IResultsStore>();
        await crashed.InitializeAsync(CancellationToken.None);
        var run = new ProbeRun("ghost", "p", "K", RunTrigger.Schedule, DateTimeOffset.UtcNow, null, null, ProbeOutcome.Unknown, null, []);
        await crashed.InsertRunAsync(run, CancellationToken.None);

        var process = await OpenAsync();
        var restarted = process.GetRequiredService<IResultsStore>();
        await restarted.InitializeAsync(CancellationToken.None);
        var read = await restarted.GetRunAsync("ghost", CancellationToken.None);
        var uptime = await process.GetRequiredService<IHistoryStore>().GetUptimeAsync("p", CancellationToken.None);

        Assert.False(read!.IsRunning);
        Assert.Equal(ProbeOutcome.Interrupted, read.Outcome);
        Assert.Equal(IResultsStore.InterruptedMessage, read.Message);
        // The crash costs the probe no uptime: nothing counted, nothing failed.
        Assert.Equal((1, 0, 1, (double?)null), (uptime[0].Runs, uptime[0].Failed, uptime[0].Interrupted, uptime[0].Uptime));
    }
}

public sealed class SqliteResultsStoreContract : ResultsStoreContract
{
    private readonly SqliteTestDatabase _database = new();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}
