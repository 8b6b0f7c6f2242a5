using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>
/// A run costs one write when it ends within <see cref="ProbeRunner.StoreRunningAfter"/>; a longer one is stored as
/// running from then on with its steps, so a crash leaves it behind. Either way the API finds it while it runs.
/// </summary>
public sealed class RunStorageTests : IAsyncLifetime
{
    private const string ProbeId = "gated";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private DashboardHost _host = null!;
    private CountingStore _store = null!;
    private ProbeRunner _runner = null!;

    public async Task InitializeAsync()
    {
        _host = await DashboardHost.StartAsync(DashboardHost.BaseSettings());
        _store = new CountingStore(_host.Get<IResultsStore>());
        _host.Get<ProbeStatusFeed>().Register(ProbeId, GatedProbe.KindName, "manual", enabled: true, []);
        _runner = new ProbeRunner(_store, _host.Get<ProbeStatusFeed>(), _host.Get<ProbeHealthTracker>(), _host.Get<PlannedWork>(),
            _host.Get<MaintenanceWindows>(), _time, NullLogger<ProbeRunner>.Instance);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_run_that_ends_within_a_second_is_one_write_at_its_end_and_the_api_finds_it_while_it_runs()
    {
        var probe = new GatedProbe();
        var runId = ProbeRun.NewId();
        var run = _runner.RunAsync(probe, new ProbeSettings { Kind = GatedProbe.KindName }, runId, RunTrigger.Manual, CancellationToken.None);
        await probe.FirstStepDone.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var http = _host.CreateClient();
        var running = await http.GetFromJsonAsync<JsonElement>($"api/runs/{runId}");
        Assert.Equal(JsonValueKind.Null, running.GetProperty("endedAt").ValueKind);
        Assert.Equal("Connect", Assert.Single(running.GetProperty("steps").EnumerateArray()).GetProperty("name").GetString());
        Assert.Null(await _host.Get<IResultsStore>().GetRunAsync(runId, CancellationToken.None));

        probe.Release.SetResult();
        var completed = await run;

        Assert.Equal(ProbeOutcome.Pass, completed.Outcome);
        Assert.Equal(["InsertCompletedRun"], _store.Calls);
        var stored = await _host.Get<IResultsStore>().GetRunAsync(runId, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(["Connect", "Read"], stored.Steps.Select(s => s.Name));
        Assert.NotNull(stored.EndedAt);
        var after = await http.GetFromJsonAsync<JsonElement>($"api/runs/{runId}");
        Assert.Equal("Pass", after.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_run_still_going_after_a_second_is_stored_as_running_with_its_steps_then_each_step_as_it_completes()
    {
        var probe = new GatedProbe();
        var runId = ProbeRun.NewId();
        var run = _runner.RunAsync(probe, new ProbeSettings { Kind = GatedProbe.KindName }, runId, RunTrigger.Manual, CancellationToken.None);
        await probe.FirstStepDone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(_store.Calls);

        _time.Advance(ProbeRunner.StoreRunningAfter);
        await _store.StepStored.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var running = await _host.Get<IResultsStore>().GetRunAsync(runId, CancellationToken.None);
        Assert.NotNull(running);
        Assert.Null(running.EndedAt);
        Assert.Equal(["Connect"], running.Steps.Select(s => s.Name));

        probe.Release.SetResult();
        await run;

        Assert.Equal(["InsertRun", "InsertStep", "InsertStep", "CompleteRun"], _store.Calls);
        var stored = await _host.Get<IResultsStore>().GetRunAsync(runId, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(ProbeOutcome.Pass, stored.Outcome);
        Assert.Equal(["Connect", "Read"], stored.Steps.Select(s => s.Name));
    }

    [Fact]
    public async Task A_run_that_ends_as_it_is_due_to_be_stored_running_is_written_once()
    {
        var probe = new GatedProbe();
        var runId = ProbeRun.NewId();
        var run = _runner.RunAsync(probe, new ProbeSettings { Kind = GatedProbe.KindName }, runId, RunTrigger.Manual, CancellationToken.None);
        await probe.FirstStepDone.Task.WaitAsync(TimeSpan.FromSeconds(30));

        probe.Release.SetResult();
        await run;
        _time.Advance(ProbeRunner.StoreRunningAfter);

        Assert.Equal(["InsertCompletedRun"], _store.Calls);
        Assert.Equal(1, await _host.Get<IResultsStore>().CountRunsAsync(ProbeId, CancellationToken.None));
    }

    /// <summary>Records a step, waits to be released, records another.</summary>
    private sealed class GatedProbe : IProbe
    {
        public const string KindName = "Gated";

        public TaskCompletionSource FirstStepDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Id => ProbeId;

        public string Kind => KindName;

        public async Task RunAsync(ProbeContext context, CancellationToken cancellationToken)
        {
            await context.StepAsync("Connect", _ => Task.CompletedTask, cancellationToken);
            FirstStepDone.SetResult();
            await Release.Task.WaitAsync(cancellationToken);
            await context.StepAsync("Read", _ => Task.CompletedTask, cancellationToken);
        }
    }

    /// <summary>The real store, with the runner's writes counted in order.</summary>
    private sealed class CountingStore(IResultsStore inner) : IResultsStore
    {
        private readonly ConcurrentQueue<string> _calls = new();

        public IReadOnlyList<string> Calls => [.. _calls];

        public TaskCompletionSource StepStored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public async Task InsertRunAsync(ProbeRun run, CancellationToken cancellationToken)
        {
            _calls.Enqueue("InsertRun");
            await inner.InsertRunAsync(run, cancellationToken);
        }

        public async Task InsertStepAsync(string runId, StepResult step, CancellationToken cancellationToken)
        {
            _calls.Enqueue("InsertStep");
            await inner.InsertStepAsync(runId, step, cancellationToken);
            StepStored.TrySetResult();
        }

        public async Task CompleteRunAsync(ProbeRun run, CancellationToken cancellationToken)
        {
            _calls.Enqueue("CompleteRun");
            await inner.CompleteRunAsync(run, cancellationToken);
        }

        public async Task InsertCompletedRunAsync(ProbeRun run, CancellationToken cancellationToken)
        {
            _calls.Enqueue("InsertCompletedRun");
            await inner.InsertCompletedRunAsync(run, cancellationToken);
        }

        public Task<ProbeRun?> GetRunAsync(string runId, CancellationToken cancellationToken) => inner.GetRunAsync(runId, cancellationToken);

        public Task<IReadOnlyList<ProbeRun>> GetRunsAsync(string probeId, int limit, DateTimeOffset? before, CancellationToken cancellationToken) =>
            inner.GetRunsAsync(probeId, limit, before, cancellationToken);

        public Task<int> CountRunsAsync(string probeId, CancellationToken cancellationToken) => inner.CountRunsAsync(probeId, cancellationToken);

        public IAsyncEnumerable<ProbeRun> StreamRunsAsync(string probeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
            inner.StreamRunsAsync(probeId, from, to, cancellationToken);
    }
}
