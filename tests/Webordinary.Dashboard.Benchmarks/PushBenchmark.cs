using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// Result stored → <c>RunCompleted</c> received by each of N hub clients on loopback. "Stored" is the moment the
/// runner publishes <see cref="RunCompletedEvent"/>, which it does right after <c>CompleteRunAsync</c> returned;
/// both ends are <see cref="Stopwatch"/> timestamps of this process.
/// </summary>
public static class PushBenchmark
{
    public const string Name = "push";

    /// <summary>The same with <see cref="WireHubClient"/>s: the server's push latency without the clients' own CPU.</summary>
    public const string WireName = "push-wire";
    public static readonly int[] DefaultClientCounts = [1, 100, 1000];

    private const string ProbeId = "heartbeat";
    private const int SimulatedAwsCallMs = 100;
    private const int TargetClients = 1000;
    private const double TargetP99Ms = 50;
    private const int WarmupRuns = 3;
    private const int ConnectBatch = 50;
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MeasureLimit = TimeSpan.FromSeconds(90);

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context, IReadOnlyList<int> clientCounts, bool wire = false)
    {
        var name = wire ? WireName : Name;
        var settings = DashboardHost.BaseSettings();
        // No interval: the probe runs only when the benchmark runs it.
        DashboardHost.AddProbe(settings, ProbeId, CloudWatchHeartbeatProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings,
            configureServices: s => s.AddSingleton<SendTimings>().AddSingleton<HubLifetimeManager<StatusHub>>(sp => sp.GetRequiredService<SendTimings>()));
        // The sandbox answers at once; a real CloudWatch call takes ~100 ms. With instant runs, RunCompleted was queued
        // behind the same run's RunStarted, still being fanned out to 1000 clients: a run that never happens in production.
        host.Get<FaultInjector>().Set(SandboxComponents.CloudWatch, new FaultSetting(FaultMode.Slow, SimulatedAwsCallMs));
        var sends = host.Get<SendTimings>();
        var storedAt = new ConcurrentDictionary<string, long>();
        using var stored = host.Get<ProbeStatusFeed>().Subscribe(e =>
        {
            if (e is RunCompletedEvent completed)
            {
                storedAt[completed.Run.Id] = Stopwatch.GetTimestamp();
            }
        });

        var current = new CurrentRound();
        var clients = new List<IAsyncDisposable>();
        var rows = new List<BenchmarkRow>();
        try
        {
            foreach (var count in clientCounts.Order())
            {
                var connectTime = Stopwatch.StartNew();
                await ConnectAsync(host, clients, count, current, wire);
                context.Log($"{name}: {count} client(s) connected in {connectTime.Elapsed.TotalSeconds:0.0} s");
                rows.Add(await MeasureAsync(context, name, host, count, current, storedAt, sends, connectTime.Elapsed));
            }
        }
        finally
        {
            foreach (var batch in clients.Chunk(ConnectBatch))
            {
                await Task.WhenAll(batch.Select(c => c.DisposeAsync().AsTask()));
            }
        }

        return rows;
    }

    private static async Task ConnectAsync(DashboardHost host, List<IAsyncDisposable> clients, int count, CurrentRound current, bool wire)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (wire && clients.Count < count)
        {
            var hub = new Uri(host.BaseAddress, StatusHub.Path.TrimStart('/'));
            clients.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(ConnectBatch, count - clients.Count))
                .Select(_ => WireHubClient.ConnectAsync(hub, (runId, at) => current.Round?.Record(runId, at), limit.Token))));
        }

        while (clients.Count < count)
        {
            var batch = Enumerable.Range(0, Math.Min(ConnectBatch, count - clients.Count)).Select(_ =>
            {
                var connection = StatusHubClients.Create(host);
                // A real client handles every message; only RunCompleted is timed, first thing in its handler.
                connection.On<RunDto>(nameof(IStatusHubClient.RunStarted), _ => { });
                connection.On<RunDto>(nameof(IStatusHubClient.RunCompleted), run =>
                {
                    var at = Stopwatch.GetTimestamp();
                    current.Round?.Record(run.Id, at);
                });
                return connection;
            }).ToList();
            clients.AddRange(batch);
            await Task.WhenAll(batch.Select(c => c.StartAsync(limit.Token)));
        }
    }

    private static async Task<BenchmarkRow> MeasureAsync(BenchmarkContext context, string name, DashboardHost host, int count, CurrentRound current,
        ConcurrentDictionary<string, long> storedAt, SendTimings sends, TimeSpan connectTime)
    {
        var runs = context.Quick ? 10 : count switch { <= 1 => 50, <= 100 => 40, _ => 30 };
        var latencies = new List<double>();
        var queued = new List<double>();
        var fanOut = new List<double>();
        var fastestClient = new List<double>();
        var slowestClient = new List<double>();
        var gcPauseBefore = GC.GetTotalPauseDuration();
        int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var measured = 0;
        string? problem = null;
        var limit = Stopwatch.StartNew();
        for (var i = 0; i < WarmupRuns + runs && limit.Elapsed < MeasureLimit; i++)
        {
            var round = new Round(count);
            current.Round = round;
            var run = await host.RunProbeAsync(ProbeId);
            try
            {
                await round.AllArrived.WaitAsync(DeliveryTimeout);
            }
            catch (TimeoutException)
            {
                problem = $"run {i}: only {round.Arrived}/{count} clients got RunCompleted within {DeliveryTimeout.TotalSeconds:0} s";
                break;
            }

            if (round.ForeignRuns > 0 || round.RunId != run.Id)
            {
                problem = $"run {i}: a client got a RunCompleted for another run";
                break;
            }

            if (i < WarmupRuns)
            {
                continue;
            }

            var stored = storedAt[run.Id];
            var deliveries = round.Arrivals.Select(at => Stats.ElapsedMs(stored, at)).ToList();
            latencies.AddRange(deliveries);
            var (began, sent) = sends.RunCompleted[run.Id];
            queued.Add(Stats.ElapsedMs(stored, began));
            fanOut.Add(Stats.ElapsedMs(began, sent));
            fastestClient.Add(deliveries.Min());
            slowestClient.Add(deliveries.Max());
            measured++;
        }

        current.Round = null;
        context.Log($"{name}: N={count}: {measured} runs, {Stats.Summary(latencies, 50, 99, 100)}");
        var p99 = Stats.Percentile(latencies, 99);
        var targeted = count == TargetClients;
        var notes = $"{measured} runs × {count} = {latencies.Count} deliveries after {WarmupRuns} warm-up runs; "
            + $"server side per run: RunCompleted broadcast began {Stats.Summary(queued, 50, 100)} after stored, handed to all connections {Stats.Summary(fanOut, 50, 100)} later; "
            + $"per run, first client {Stats.Summary(fastestClient, 50, 100)}, last client {Stats.Summary(slowestClient, 50, 100)}; "
            + $"GC meanwhile: {GC.CollectionCount(0) - collectionsBefore[0]}/{GC.CollectionCount(1) - collectionsBefore[1]}/{GC.CollectionCount(2) - collectionsBefore[2]} gen0/1/2 collections, "
            + $"{(GC.GetTotalPauseDuration() - gcPauseBefore).TotalMilliseconds:0} ms paused; {ThreadPool.ThreadCount} pool threads; "
            + $"the probe's CloudWatch call takes {SimulatedAwsCallMs} ms (sandbox Slow fault), as a real one does; "
            + (name == WireName ? "protocol-level WebSocket clients (JSON hub protocol), in this process" : "Microsoft.AspNetCore.SignalR.Client HubConnections (no SubscribeSteps: RunStarted and RunCompleted)")
            + $", sharing this process and its 2 cores with the server; all connected in {connectTime.TotalSeconds:0.0} s"
            + (problem is null ? "" : $"; stopped early: {problem}");
        return new BenchmarkRow(name, $"N = {count} client{(count == 1 ? "" : "s")}", $"{Stats.Summary(latencies, 50, 99, 100)}",
            targeted ? $"p99 <= {TargetP99Ms:0} ms" : "none (reference for N = 1000)",
            targeted ? BenchmarkRow.YesNo(problem is null && p99 <= TargetP99Ms) : problem is null ? "n/a" : "error", notes);
    }

    /// <summary>The round the clients' handlers record into; one run at a time, so every RunCompleted belongs to it.</summary>
    private sealed class CurrentRound
    {
        private volatile Round? _round;

        public Round? Round
        {
            get => _round;
            set => _round = value;
        }
    }

    /// <summary>Arrival timestamps of one run's RunCompleted at each client.</summary>
    private sealed class Round(int clients)
    {
        private readonly long[] _arrivals = new long[clients];
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _slots;
        private int _arrived;
        private int _foreign;
        private string? _runId;

        public Task AllArrived => _all.Task;

        public int Arrived => Volatile.Read(ref _arrived);

        public int ForeignRuns => Volatile.Read(ref _foreign);

        public string? RunId => Volatile.Read(ref _runId);

        /// <summary>Complete once <see cref="AllArrived"/> has finished.</summary>
        public IEnumerable<long> Arrivals => _arrivals;

        public void Record(string runId, long at)
        {
            if (Interlocked.CompareExchange(ref _runId, runId, null) is { } first && first != runId)
            {
                Interlocked.Increment(ref _foreign);
                return;
            }

            // A slot first, the timestamp into it, then the count: the count never covers an unwritten slot.
            var index = Interlocked.Increment(ref _slots) - 1;
            if (index >= _arrivals.Length)
            {
                return;
            }

            _arrivals[index] = at;
            if (Interlocked.Increment(ref _arrived) == _arrivals.Length)
            {
                _all.TrySetResult();
            }
        }
    }
}
