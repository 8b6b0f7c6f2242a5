using Webordinary.Dashboard.Storage.Changes;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Quartz;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// P sandbox heartbeat probes every 10 s under the real Quartz schedule. Every run start (the runner's
/// <c>StartedAt</c>, from <see cref="RunStartedEvent"/>) is matched with the fire it belongs to: probe i's trigger
/// starts at its Quartz <c>StartTimeUtc</c> (start + 1 s + i × 300 ms) and repeats every interval. Also the CPU and
/// RSS of this process, which hosts the dashboard.
/// </summary>
public static class SchedulerBenchmark
{
    public const string Name = "scheduler";
    public static readonly int[] DefaultProbeCounts = [100, 500, 1000];

    private const int TargetProbes = 500;
    private const double TargetCpuPercent = 50;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LateAfter = TimeSpan.FromSeconds(1);

    /// <summary>A start this much before its fire still counts as that fire (Quartz fires on time or after).</summary>
    private static readonly TimeSpan EarlySlack = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan SteadyWindow = TimeSpan.FromSeconds(30);

    private sealed record Start(string ProbeId, DateTimeOffset StartedAt, DateTimeOffset PublishedAt);

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context, int probes)
    {
        var duration = context.Quick ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(2);
        var settings = DashboardHost.BaseSettings();
        var ids = Enumerable.Range(0, probes).Select(i => $"heartbeat-{i:D4}").ToList();
        foreach (var id in ids)
        {
            DashboardHost.AddProbe(settings, id, CloudWatchHeartbeatProbe.KindName, interval: "00:00:10", timeout: "00:00:05");
        }

        // The host uses this feed instance, so the recorder is subscribed before the first fire.
        var feed = new ProbeStatusFeed(ChangeFeed.InProcess());
        var starts = new ConcurrentQueue<Start>();
        using var recorder = feed.Subscribe(e =>
        {
            if (e is RunStartedEvent started)
            {
                starts.Enqueue(new Start(started.Run.ProbeId, started.Run.StartedAt, DateTimeOffset.UtcNow));
            }
        });

        var startup = Stopwatch.StartNew();
        await using var host = await DashboardHost.StartAsync(settings, configureServices: s => s.AddSingleton(feed));
        var startupTime = startup.Elapsed;
        var first = ProcessReading.Now();
        var scheduler = await host.Get<ISchedulerFactory>().GetScheduler();
        var firstFire = new Dictionary<string, DateTimeOffset>();
        foreach (var id in ids)
        {
            firstFire[id] = (await scheduler.GetTrigger(new TriggerKey(id, ProbeJob.Group)))!.StartTimeUtc;
        }

        context.Log($"scheduler: P={probes}: host up in {startupTime.TotalSeconds:0.0} s, measuring for {duration.TotalSeconds:0} s");
        var readings = new List<ProcessReading> { first };
        using (var tick = new PeriodicTimer(TimeSpan.FromSeconds(1)))
        {
            while (Stopwatch.GetElapsedTime(first.Timestamp) < duration && await tick.WaitForNextTickAsync())
            {
                readings.Add(ProcessReading.Now());
            }
        }

        var windowEnd = DateTimeOffset.UtcNow;
        var recorded = starts.ToArray();
        var last = readings[^1];
        var steadyFrom = readings.FirstOrDefault(r => Stopwatch.GetElapsedTime(r.Timestamp, last.Timestamp) <= SteadyWindow);
        var fires = Match(firstFire, recorded, windowEnd);
        var cpu = ProcessReading.CpuPercent(first, last);
        var cpuSteady = ProcessReading.CpuPercent(steadyFrom, last);
        var activeProbes = firstFire.Values.Count(f => f <= windowEnd);
        var publishDelays = recorded.Select(s => (s.PublishedAt - s.StartedAt).TotalMilliseconds).ToList();
        context.Log($"scheduler: P={probes}: {fires.Expected} fires expected, {fires.Missed} missed, {fires.Late} late; CPU {cpu:0}%");

        var met = fires.Missed == 0 && fires.Late == 0 && cpu <= TargetCpuPercent;
        var measured = $"fires: {fires.Expected} expected, {fires.Expected - fires.Missed - fires.Late} on time, {fires.Late} late > 1 s, {fires.Missed} missed; "
            + $"start lateness {Stats.Summary(fires.LatenessMs, 50, 99, 100)}; gaps > 11 s: {fires.LongGaps}; "
            + $"CPU {cpu:0.0}% of a core (last {SteadyWindow.TotalSeconds:0} s: {cpuSteady:0.0}%); "
            + $"RSS peak {Stats.Mb(readings.Max(r => r.Rss))}, end {Stats.Mb(last.Rss)}";
        var notes = $"{duration.TotalSeconds:0} s window{(context.Quick ? " (--quick)" : "")} from host started (startup {startupTime.TotalSeconds:0.0} s not counted); "
            + $"{activeProbes}/{probes} probes had reached their first fire by the end (start stagger min(300 ms, shortest interval / P) × index); "
            + $"runs started {recorded.Length}, {fires.Unmatched} outside any checked fire; RunStarted published after StartedAt {Stats.Summary(publishDelays, 50, 99, 100)}";
        return [new BenchmarkRow(Name, $"P = {probes} probes, 10 s interval, {duration.TotalSeconds:0} s",
            measured, $"no missed fire, CPU <= {TargetCpuPercent:0}% of a core{(probes == TargetProbes ? "" : " (target set for P = 500)")}",
            BenchmarkRow.YesNo(met), notes)];
    }

    private sealed record FireCheck(int Expected, int Missed, int Late, int Unmatched, int LongGaps, List<double> LatenessMs);

    /// <summary>
    /// Each expected fire (due at least 2 s before the window ended, so a slightly late start was still seen) takes the
    /// first unused start of its probe within [due − 0.5 s, due + interval/2); none is a missed fire. Also counts gaps
    /// between a probe's consecutive starts longer than interval + 1 s.
    /// </summary>
    private static FireCheck Match(Dictionary<string, DateTimeOffset> firstFire, Start[] recorded, DateTimeOffset windowEnd)
    {
        var byProbe = recorded.ToLookup(s => s.ProbeId, StringComparer.OrdinalIgnoreCase);
        int expected = 0, missed = 0, late = 0, unmatched = 0, longGaps = 0;
        var lateness = new List<double>();
        var checkedUntil = windowEnd - TimeSpan.FromSeconds(2);
        foreach (var (id, fire) in firstFire)
        {
            var actual = byProbe[id].Select(s => s.StartedAt).Order().ToList();
            var used = new bool[actual.Count];
            for (var due = fire; due <= checkedUntil; due += Interval)
            {
                expected++;
                var match = actual.FindIndex(s => s >= due - EarlySlack && s < due + Interval / 2);
                while (match >= 0 && used[match])
                {
                    match = match + 1 < actual.Count && actual[match + 1] < due + Interval / 2 ? match + 1 : -1;
                }

                if (match < 0)
                {
                    missed++;
                    continue;
                }

                used[match] = true;
                var delay = actual[match] - due;
                lateness.Add(delay.TotalMilliseconds);
                if (delay > LateAfter)
                {
                    late++;
                }
            }

            // Starts after the last checked fire belong to fires that are not checked.
            unmatched += actual.Where((s, i) => !used[i] && s <= checkedUntil).Count();
            longGaps += actual.Zip(actual.Skip(1)).Count(pair => pair.Second - pair.First > Interval + LateAfter);
        }

        return new FireCheck(expected, missed, late, unmatched, longGaps, lateness);
    }
}
