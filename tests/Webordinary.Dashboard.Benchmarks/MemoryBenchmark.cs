using System.Diagnostics;
using System.Runtime;
using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// RSS of the process hosting the dashboard with 100 probes (5 s interval) and 10 browser circuits (10 Chromium
/// pages on the overview), once every circuit is up and every probe has completed two more runs after that.
/// </summary>
public static class MemoryBenchmark
{
    public const string Name = "memory";

    private const int Probes = 100;
    private const int Pages = 10;
    private const int RunsAfterCircuitsUp = 2;
    private const long TargetBytes = 200L * 1024 * 1024;
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(90);
    private static readonly string[] ProbeIds = [.. Enumerable.Range(0, Probes).Select(i => $"heartbeat-{i:D3}")];

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context)
    {
        var inProcess = await InProcessAsync(context);
        var ownProcess = await DashboardProcessMemory.RunAsync(context, ProbeIds, Pages, TargetBytes);
        return [inProcess, ownProcess];
    }

    private static async Task<BenchmarkRow> InProcessAsync(BenchmarkContext context)
    {
        var baseline = ProcessReading.Now();
        var settings = DashboardHost.BaseSettings();
        foreach (var id in ProbeIds)
        {
            DashboardHost.AddProbe(settings, id, CloudWatchHeartbeatProbe.KindName, interval: "00:00:05");
        }

        await using var host = await DashboardHost.StartAsync(settings);
        using var runs = new RunCounter(host.Get<ProbeStatusFeed>());
        await using var chromium = await Chromium.LaunchAsync();
        await using var browserContext = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString() });
        var opening = ProcessReading.Now();
        for (var i = 0; i < Pages; i++)
        {
            await Chromium.OpenOverviewAsync(browserContext, Probes);
        }

        var circuitsUp = ProcessReading.Now();
        context.Log($"memory: {Pages} circuits up; waiting for {RunsAfterCircuitsUp} more runs of each of {Probes} probes");
        await runs.EveryProbeRunsAgainAsync(ProbeIds, RunsAfterCircuitsUp).WaitAsync(SettleTimeout);
        var settled = ProcessReading.Now();
        var settleSeconds = Stopwatch.GetElapsedTime(circuitsUp.Timestamp, settled.Timestamp).TotalSeconds;
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var afterGc = ProcessReading.Now();
        context.Log($"memory: RSS {Stats.Mb(settled.Rss)}, managed heap {Stats.Mb(heap)}");

        var measured = $"RSS {Stats.Mb(settled.Rss)} (after a full GC {Stats.Mb(afterGc.Rss)}); managed heap {Stats.Mb(heap)} after a full GC, GC committed {Stats.Mb(committed)}";
        var notes = $"RSS is this process: dashboard host + benchmark harness + Playwright's .NET client objects (Chromium runs in separate processes, not counted); "
            + $"harness alone before the host started: {Stats.Mb(baseline.Rss)}; {(GCSettings.IsServerGC ? "server GC (DOTNET_gcServer=1), unlike the app" : "workstation GC as in the app")}; {Pages} circuits opened one after another in {Stopwatch.GetElapsedTime(opening.Timestamp, circuitsUp.Timestamp).TotalSeconds:0} s, measured {settleSeconds:0} s after; "
            + $"host CPU meanwhile {ProcessReading.CpuPercent(circuitsUp, settled):0}% of a core";
        return new BenchmarkRow(Name, $"{Probes} probes (5 s interval), {Pages} circuits", measured, "RSS <= 200 MB",
            BenchmarkRow.YesNo(settled.Rss <= TargetBytes), notes);
    }

    /// <summary>Counts completed runs per probe and says when each has completed a few more than when asked.</summary>
    private sealed class RunCounter : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _completed = new(StringComparer.OrdinalIgnoreCase);
        private readonly IDisposable _subscription;
        private Dictionary<string, int>? _targets;
        private TaskCompletionSource? _done;

        public RunCounter(ProbeStatusFeed feed) => _subscription = feed.Subscribe(OnEvent);

        public Task EveryProbeRunsAgainAsync(IEnumerable<string> probeIds, int runs)
        {
            lock (_gate)
            {
                _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _targets = probeIds.ToDictionary(id => id, id => _completed.GetValueOrDefault(id) + runs, StringComparer.OrdinalIgnoreCase);
                return _done.Task;
            }
        }

        private void OnEvent(ProbeFeedEvent feedEvent)
        {
            if (feedEvent is not RunCompletedEvent completed)
            {
                return;
            }

            lock (_gate)
            {
                var id = completed.Run.ProbeId;
                _completed[id] = _completed.GetValueOrDefault(id) + 1;
                if (_targets is not null && _targets.All(t => _completed.GetValueOrDefault(t.Key) >= t.Value))
                {
                    _done?.TrySetResult();
                }
            }
        }

        public void Dispose() => _subscription.Dispose();
    }
}
