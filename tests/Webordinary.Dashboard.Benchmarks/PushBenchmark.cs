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
using Webordinary.Dashboard.Storage.Changes;
using Webordinary.Dashboard.Storage.Postgres;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// Result stored → <c>RunCompleted</c> received by each of N hub clients on loopback. "Stored" is the moment the
/// runner publishes <see cref="RunCompletedEvent"/>, which it does right after <c>CompleteRunAsync</c> returned;
/// both ends are <see cref="Stopwatch"/> timestamps (CLOCK_MONOTONIC, one clock for every process of the machine), the
/// arrival taken by each client, in its own process (<see cref="HubClientsProcess"/>) or in this one (push-wire).
/// </summary>
public static class PushBenchmark
{
    public const string Name = "push";

    /// <summary>The same with <see cref="WireHubClient"/>s: the server's push latency without the clients' own CPU.</summary>
    public const string WireName = "push-wire";

    /// <summary>Stored on instance A, received by hub clients of instance B, both on one PostgreSQL database (the change feed).</summary>
    public const string ClusterName = "push-cluster";
    public static readonly int[] DefaultClientCounts = [1, 100, 1000];
    public static readonly int[] ClusterClientCounts = [100];

    private static readonly (int Clients, double P99Ms) Target = (1000, 50);
    private static readonly (int Clients, double P99Ms) ClusterTarget = (100, 250);

    private const string ProbeId = "heartbeat";
    private const int SimulatedAwsCallMs = 100;
    private const int WarmupRuns = 3;

    /// <summary>
    /// Warm-up runs when the clients are new (the first size of a client process): their first messages run through
    /// code the JIT has not optimised yet. A fresh MessagePack process measured right after 1000 warmed JSON clients
    /// had the lower p50 and the higher p99 (60–78 against 53–55 ms) with 3.
    /// </summary>
    private const int FreshClientsWarmupRuns = 20;
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

        var rows = new List<BenchmarkRow>();
        await using (var clients = wire ? (IPushClients)new WireClients(host) : new ClientProcess(host, messagePack: false))
        {
            foreach (var count in clientCounts.Order())
            {
                rows.Add(await ConnectAndMeasureAsync(context, name, host, count, clients, storedAt, sends, Target));
            }
        }

        if (!wire)
        {
            // The largest number again with MessagePack, the hub's other protocol: what a bulk consumer would choose.
            await using var clients = new ClientProcess(host, messagePack: true);
            rows.Add(await ConnectAndMeasureAsync(context, name, host, clientCounts.Max(), clients, storedAt, sends, Target));
        }

        return rows;
    }

    /// <summary>
    /// Two instances on one PostgreSQL server (a test server on this machine): the probe runs on A, the clients are
    /// B's. "Stored" is A's announcement of the run (after A stored it); the run reaches B as a row of the change feed
    /// and its NOTIFY, and B's hub pushes it.
    /// </summary>
    public static async Task<IReadOnlyList<BenchmarkRow>> RunClusterAsync(BenchmarkContext context, IReadOnlyList<int> clientCounts)
    {
        await using var postgres = await PostgresServer.StartAsync();
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, ProbeId, CloudWatchHeartbeatProbe.KindName);
        settings["Store:Provider"] = "Postgres";
        settings["Store:ConnectionString"] = await postgres.CreateDatabaseAsync();
        await using var a = await DashboardHost.StartAsync(settings);
        await using var b = await DashboardHost.StartAsync(settings,
            configureServices: s => s.AddSingleton<SendTimings>().AddSingleton<HubLifetimeManager<StatusHub>>(sp => sp.GetRequiredService<SendTimings>()));
        await b.Get<PostgresChangeListener>().Listening;
        a.Get<FaultInjector>().Set(SandboxComponents.CloudWatch, new FaultSetting(FaultMode.Slow, SimulatedAwsCallMs));
        var storedAt = new ConcurrentDictionary<string, long>();
        using var stored = a.Get<ProbeStatusFeed>().Subscribe(e =>
        {
            if (e is RunCompletedEvent completed)
            {
                storedAt[completed.Run.Id] = Stopwatch.GetTimestamp();
            }
        }, ChangeOrigin.ThisInstance);

        var rows = new List<BenchmarkRow>();
        await using var clients = new ClientProcess(b, messagePack: false);
        foreach (var count in clientCounts.Order())
        {
            rows.Add(await ConnectAndMeasureAsync(context, ClusterName, a, count, clients, storedAt, b.Get<SendTimings>(), ClusterTarget));
        }

        return rows;
    }

    /// <param name="host">Where the probe runs (the clients' instance, or another one on the same database).</param>
    private static async Task<BenchmarkRow> ConnectAndMeasureAsync(BenchmarkContext context, string name, DashboardHost host, int count, IPushClients clients,
        ConcurrentDictionary<string, long> storedAt, SendTimings sends, (int Clients, double P99Ms) target)
    {
        var connectTime = Stopwatch.StartNew();
        await clients.ConnectAsync(count);
        context.Log($"{name}: {count} {clients.Protocol} client(s) connected in {connectTime.Elapsed.TotalSeconds:0.0} s");
        return await MeasureAsync(context, name, host, count, clients, storedAt, sends, connectTime.Elapsed, target);
    }

    private static async Task<BenchmarkRow> MeasureAsync(BenchmarkContext context, string name, DashboardHost host, int count, IPushClients clients,
        ConcurrentDictionary<string, long> storedAt, SendTimings sends, TimeSpan connectTime, (int Clients, double P99Ms) target)
    {
        var warmup = clients.Rounds++ == 0 ? FreshClientsWarmupRuns : WarmupRuns;
        var runs = context.Quick ? 10 : count switch { <= 1 => 50, <= 100 => 40, _ => 30 };
        var latencies = new List<double>();
        var queued = new List<double>();
        var fanOut = new List<double>();
        var fastestClient = new List<double>();
        var slowestClient = new List<double>();
        var gcPauseBefore = TimeSpan.Zero;
        int[] collectionsBefore = [];
        var clientsBefore = default(ClientStats);
        var measured = 0;
        string? problem = null;
        var limit = Stopwatch.StartNew();
        for (var i = 0; i < warmup + runs && limit.Elapsed < MeasureLimit; i++)
        {
            if (i == warmup)
            {
                // GC and CPU figures of the measured runs only.
                gcPauseBefore = GC.GetTotalPauseDuration();
                collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
                clientsBefore = await clients.StatsAsync();
            }

            clients.BeginRound(count);
            var run = await host.RunProbeAsync(ProbeId);
            long[] arrivals;
            try
            {
                arrivals = await clients.ArrivalsAsync(run.Id, DeliveryTimeout);
            }
            catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
            {
                problem = $"run {i}: {exception.Message}";
                break;
            }

            if (i < warmup)
            {
                continue;
            }

            var stored = storedAt[run.Id];
            var deliveries = arrivals.Select(at => Stats.ElapsedMs(stored, at)).ToList();
            latencies.AddRange(deliveries);
            var (began, sent) = sends.RunCompleted[run.Id];
            queued.Add(Stats.ElapsedMs(stored, began));
            fanOut.Add(Stats.ElapsedMs(began, sent));
            fastestClient.Add(deliveries.Min());
            slowestClient.Add(deliveries.Max());
            measured++;
        }

        clients.BeginRound(0);
        if (collectionsBefore.Length == 0)
        {
            // Stopped during the warm-up: nothing measured, nothing counted.
            (gcPauseBefore, collectionsBefore) = (GC.GetTotalPauseDuration(), [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)]);
            clientsBefore = await clients.StatsAsync();
        }

        var clientsAfter = await clients.StatsAsync();
        context.Log($"{name}: N={count} ({clients.Protocol}): {measured} runs, {Stats.Summary(latencies, 50, 99, 100)}");
        var p99 = Stats.Percentile(latencies, 99);
        var targeted = count == target.Clients;
        var notes = $"{measured} runs × {count} = {latencies.Count} deliveries after {warmup} warm-up runs; "
            + $"server side per run: RunCompleted broadcast began {Stats.Summary(queued, 50, 100)} after stored, handed to all connections {Stats.Summary(fanOut, 50, 100)} later; "
            + $"per run, first client {Stats.Summary(fastestClient, 50, 100)}, last client {Stats.Summary(slowestClient, 50, 100)}; "
            + $"the server's GC meanwhile: {GC.CollectionCount(0) - collectionsBefore[0]}/{GC.CollectionCount(1) - collectionsBefore[1]}/{GC.CollectionCount(2) - collectionsBefore[2]} gen0/1/2 collections, "
            + $"{(GC.GetTotalPauseDuration() - gcPauseBefore).TotalMilliseconds:0} ms paused; {ThreadPool.ThreadCount} pool threads; "
            + $"the probe's CloudWatch call takes {SimulatedAwsCallMs} ms (sandbox Slow fault), as a real one does; "
            + clients.Describe(clientsBefore, clientsAfter)
            + $"; all connected in {connectTime.TotalSeconds:0.0} s"
            + (problem is null ? "" : $"; stopped early: {problem}");
        return new BenchmarkRow(name, $"N = {count} client{(count == 1 ? "" : "s")}{(clients.Protocol == "JSON" ? "" : ", " + clients.Protocol)}", $"{Stats.Summary(latencies, 50, 99, 100)}",
            targeted ? $"p99 <= {target.P99Ms:0} ms" : $"none (reference for N = {target.Clients})",
            targeted ? BenchmarkRow.YesNo(problem is null && p99 <= target.P99Ms) : problem is null ? "n/a" : "error", notes);
    }

    /// <summary>The hub clients of one push benchmark: connected in steps, asked per run when each had its RunCompleted.</summary>
    private interface IPushClients : IAsyncDisposable
    {
        /// <summary>The hub protocol the clients speak: JSON or MessagePack.</summary>
        string Protocol { get; }

        /// <summary>How many sizes these clients were measured at so far.</summary>
        int Rounds { get; set; }

        Task ConnectAsync(int total);

        /// <summary>Before each run (0 after the last): how many clients must have it.</summary>
        void BeginRound(int clients);

        /// <summary>Each client's arrival timestamp of <paramref name="runId"/>'s RunCompleted; TimeoutException if not all had it in time.</summary>
        Task<long[]> ArrivalsAsync(string runId, TimeSpan timeout);

        Task<ClientStats> StatsAsync();

        string Describe(ClientStats before, ClientStats after);
    }

    /// <summary>.NET HubConnections in a process of their own (<see cref="HubClientsProcess"/>).</summary>
    private sealed class ClientProcess(DashboardHost host, bool messagePack) : IPushClients
    {
        private readonly HubClientsProcess _process = HubClientsProcess.Start(new Uri(host.BaseAddress, StatusHub.Path.TrimStart('/')), messagePack);

        public string Protocol => messagePack ? "MessagePack" : "JSON";

        public int Rounds { get; set; }

        public Task ConnectAsync(int total) => _process.ConnectAsync(total);

        public void BeginRound(int clients)
        {
        }

        public Task<long[]> ArrivalsAsync(string runId, TimeSpan timeout) => _process.ArrivalsAsync(runId, timeout);

        public Task<ClientStats> StatsAsync() => _process.StatsAsync();

        public string Describe(ClientStats before, ClientStats after) =>
            $"Microsoft.AspNetCore.SignalR.Client HubConnections, {Protocol} protocol (no SubscribeSteps: RunStarted and RunCompleted) in a process of their own, on the same "
            + $"2 cores (clients are never in the server's process); their GC meanwhile: {after.Gen0 - before.Gen0}/{after.Gen1 - before.Gen1}/{after.Gen2 - before.Gen2} gen0/1/2 collections, "
            + $"{after.PausedMs - before.PausedMs:0} ms paused, their CPU {after.CpuMs - before.CpuMs:0} ms";

        public ValueTask DisposeAsync() => _process.DisposeAsync();
    }

    /// <summary>Protocol-level clients (<see cref="WireHubClient"/>) in this process.</summary>
    private sealed class WireClients(DashboardHost host) : IPushClients
    {
        private readonly List<WireHubClient> _clients = [];
        /// <summary>The run the clients' handlers record into; one run at a time, so every RunCompleted belongs to it.</summary>
        private volatile RunArrivals? _round;

        public string Protocol => "JSON";

        public int Rounds { get; set; }

        public async Task ConnectAsync(int total)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var hub = new Uri(host.BaseAddress, StatusHub.Path.TrimStart('/'));
            while (_clients.Count < total)
            {
                _clients.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(ConnectBatch, total - _clients.Count))
                    .Select(_ => WireHubClient.ConnectAsync(hub, (runId, at) => _round?.Record(runId, at), limit.Token))));
            }
        }

        public void BeginRound(int clients) => _round = clients == 0 ? null : new RunArrivals(clients);

        public async Task<long[]> ArrivalsAsync(string runId, TimeSpan timeout)
        {
            var round = _round!;
            try
            {
                await round.AllArrived.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"only {round.Arrived} clients got RunCompleted within {timeout.TotalSeconds:0} s");
            }

            return round.ForeignRuns > 0 || round.RunId != runId
                ? throw new InvalidOperationException("a client got a RunCompleted for another run")
                : [.. round.Arrivals];
        }

        public Task<ClientStats> StatsAsync() => Task.FromResult(default(ClientStats));

        public string Describe(ClientStats before, ClientStats after) =>
            "protocol-level WebSocket clients (JSON hub protocol), in this process, sharing it and its 2 cores with the server";

        public async ValueTask DisposeAsync()
        {
            foreach (var batch in _clients.Chunk(ConnectBatch))
            {
                await Task.WhenAll(batch.Select(c => c.DisposeAsync().AsTask()));
            }
        }
    }
}
