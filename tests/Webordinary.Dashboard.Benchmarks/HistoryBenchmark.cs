using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// A year of history for 50 probes at 30 s (52.6 million runs), written through the store's bulk insert (the
/// runner's rows and statements, a transaction per hour of runs) and compacted by the real <see cref="SqliteHistoryCompaction"/>
/// after every simulated day on a clock that follows the generation. The runs are copies of runs the sandbox's real
/// probes just produced (every kind, step names, details, metrics; parked runs too), with jittered durations, a
/// few failures, degraded runs, and Hermes parked nights and weekends as the shipped schedules do. Then: the database
/// size, the uptime query, and the overview and probe pages in Chromium on that database.
/// </summary>
public static class HistoryBenchmark
{
    public const string Name = "history";

    private const int ProbeCount = 50;
    private const double TargetSizeBytes = 1024.0 * 1024 * 1024;
    private const double TargetQueryMs = 50;
    private const double TargetRenderMs = 300;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>Set to keep the generated database (its path is logged) for a look with sqlite3.</summary>
    public const string KeepVariable = "BENCHMARK_KEEP_HISTORY";

    /// <summary>Set to a kept run's directory to measure its database again (pages, queries) without generating.</summary>
    public const string ReuseVariable = "BENCHMARK_REUSE_HISTORY";

    /// <summary>Set to a directory for a Chrome trace of one more load of each page (not counted) there: overview.json, probe.json (Perfetto, or trace-summary.py).</summary>
    public const string TraceVariable = "BENCHMARK_TRACE_PAGES";

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context, int? days = null)
    {
        days ??= context.Quick ? 30 : 365;
        var reuse = Environment.GetEnvironmentVariable(ReuseVariable) is { Length: > 0 } kept ? kept : null;
        var contentRoot = reuse ?? Directory.CreateTempSubdirectory("dashboard-history-").FullName;
        try
        {
            var probes = await ProbesAsync(context);
            var generation = reuse is null
                ? await GenerateAsync(context, Path.Combine(contentRoot, "data", SqliteDatabase.FileName), probes, days.Value)
                : null;
            return await MeasureAsync(context, contentRoot, probes, days.Value, generation);
        }
        finally
        {
            if (reuse is not null || Environment.GetEnvironmentVariable(KeepVariable) is { Length: > 0 })
            {
                context.Log($"history: database kept in {contentRoot}");
            }
            else
            {
                Directory.Delete(contentRoot, recursive: true);
            }
        }
    }

    internal sealed record Template(ProbeRun Pass, ProbeRun? Parked);

    internal sealed record GeneratedProbe(string Id, Template Template, int OffsetMs);

    /// <summary>The 50 probes of the generated history: the sandbox's kinds in turn, each with a run of its own kind as template.</summary>
    internal static async Task<List<GeneratedProbe>> ProbesAsync(BenchmarkContext context)
    {
        var templates = await RecordTemplatesAsync(context);
        return
        [
            .. Enumerable.Range(0, ProbeCount)
                .Select(i => new GeneratedProbe($"{templates[i % templates.Count].Pass.ProbeId}-{i / templates.Count + 1:00}", templates[i % templates.Count], i * 577 % 30_000)),
        ];
    }

    private sealed record Generation(long Runs, TimeSpan Writing, TimeSpan Compacting, double CompactDayP95Ms, DateTimeOffset End);

    /// <summary>One run of every probe kind on the sandbox, then the Hermes-dependent ones again with Hermes parked.</summary>
    private static async Task<List<Template>> RecordTemplatesAsync(BenchmarkContext context)
    {
        var settings = DashboardHost.BaseSettings();
        string[] kinds =
        [
            "EcsService", "DynamoDbTable", "CloudWatchHeartbeat", "AlbTargetHealth", "HermesHealth", "EfsFileSystem",
            "SessionColdStart", "SessionPersistence", "SessionConcurrent", "SessionRouting", "SessionJanitor",
        ];
        foreach (var kind in kinds)
        {
            DashboardHost.AddProbe(settings, kind.ToLowerInvariant(), kind, timeout: "00:00:30");
        }

        await using var host = await DashboardHost.StartAsync(settings);
        var passes = new List<ProbeRun>();
        foreach (var kind in kinds)
        {
            var run = await host.RunProbeAsync(kind.ToLowerInvariant());
            if (run.Outcome != ProbeOutcome.Pass)
            {
                run = await host.RunProbeAsync(kind.ToLowerInvariant());
            }

            passes.Add(run.Outcome == ProbeOutcome.Pass
                ? run
                : throw new InvalidOperationException($"The sandbox's {kind} probe did not pass twice in a row: {run.Message}"));
        }

        var aws = host.Get<IOptions<AwsOptions>>().Value;
        host.Get<SandboxPlatform>().UpdateDesiredCount(aws.Cluster, aws.Service, 0);
        await host.Get<ServiceStatusFeed>().WaitForAsync(s => s.Hermes() is { IsParked: true, Service.RunningCount: 0 });
        var catalog = host.Get<Probes.Scheduling.ProbeCatalog>();
        var templates = new List<Template>();
        foreach (var pass in passes)
        {
            catalog.TryGet(pass.ProbeId, out var definition, out _);
            var parked = catalog.NeedingService(aws.Service).Contains(definition) ? await host.RunProbeAsync(pass.ProbeId) : null;
            templates.Add(new Template(pass, parked is { Outcome: ProbeOutcome.Parked } ? parked : null));
        }

        context.Log($"history: templates from the sandbox: {string.Join(", ", templates.Select(t => $"{t.Pass.ProbeKind} ({t.Pass.Steps.Count} steps{(t.Parked is null ? "" : ", parked")})"))}");
        return templates;
    }

    private static async Task<Generation> GenerateAsync(BenchmarkContext context, string databasePath, IReadOnlyList<GeneratedProbe> probes, int days)
    {
        var end = DateTimeOffset.UtcNow;
        var start = HistoryBuckets.Floor(end, TimeSpan.FromDays(1)) - TimeSpan.FromDays(days);
        var clock = new GenerationClock(start);
        var database = new SqliteDatabase(databasePath, NullLogger<SqliteDatabase>.Instance);
        var store = new SqliteResultsStore(database, clock, NullLogger<SqliteResultsStore>.Instance);
        var history = new SqliteHistoryCompaction(database, Options.Create(new HistoryOptions()), UptimeSpanLimits.Unconfigured, clock);
        await store.InitializeAsync(CancellationToken.None);
        var random = new Random(7);
        var (writing, compacting) = (TimeSpan.Zero, TimeSpan.Zero);
        var compactDays = new List<double>();
        long runs = 0;
        var outages = Outages(random, start, end);
        var watch = Stopwatch.StartNew();
        for (var hour = start; hour < end; hour += TimeSpan.FromHours(1))
        {
            var hourEnd = hour + TimeSpan.FromHours(1) < end ? hour + TimeSpan.FromHours(1) : end;
            var batch = new List<ProbeRun>(probes.Count * 120);
            foreach (var probe in probes)
            {
                for (var at = hour + TimeSpan.FromMilliseconds(probe.OffsetMs); at < hourEnd; at += Interval)
                {
                    batch.Add(Copy(probe, at, random, outages));
                }
            }

            // In the order the runner writes them: by start time across probes.
            batch.Sort((a, b) => a.StartedAt.CompareTo(b.StartedAt));
            var writeFrom = Stopwatch.GetTimestamp();
            await store.InsertCompletedRunsAsync(batch, CancellationToken.None);
            writing += Stopwatch.GetElapsedTime(writeFrom);
            runs += batch.Count;
            clock.Now = hourEnd;

            // The compaction job runs every 5 minutes; once a simulated day is the same work in fewer, larger calls.
            if (hourEnd.TimeOfDay == TimeSpan.Zero || hourEnd == end)
            {
                var compactFrom = Stopwatch.GetTimestamp();
                await history.CompactAsync(CancellationToken.None);
                var took = Stopwatch.GetElapsedTime(compactFrom);
                compacting += took;
                compactDays.Add(took.TotalMilliseconds);
                if (compactDays.Count % 5 == 0)
                {
                    context.Log($"history: {compactDays.Count} of {days} days, {runs:N0} runs, {Stats.Mb(SizeOf(databasePath))}, "
                        + $"writing {writing.TotalSeconds:0} s, compacting {compacting.TotalSeconds:0} s, {watch.Elapsed.TotalMinutes:0.0} min");
                }
            }
        }

        context.Log($"history: generated {runs:N0} runs in {watch.Elapsed.TotalMinutes:0.0} min (writing {writing.TotalSeconds:0} s, compacting {compacting.TotalSeconds:0} s)");
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        }

        return new Generation(runs, writing, compacting, Stats.Percentile(compactDays, 95), end);
    }

    /// <summary>A handful of platform outages over the year (10–90 min, one every ~3 weeks): failures come in runs, as they do.</summary>
    private static List<(DateTimeOffset From, DateTimeOffset To)> Outages(Random random, DateTimeOffset start, DateTimeOffset end)
    {
        var outages = new List<(DateTimeOffset, DateTimeOffset)>();
        for (var at = start + TimeSpan.FromDays(random.Next(5, 30)); at < end; at += TimeSpan.FromDays(random.Next(10, 30)))
        {
            outages.Add((at, at + TimeSpan.FromMinutes(random.Next(10, 90))));
        }

        return outages;
    }

    private static bool HermesParked(DateTimeOffset at) =>
        at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday
        || (at.DayOfWeek == DayOfWeek.Friday && at.Hour >= 20)
        || (at.DayOfWeek == DayOfWeek.Monday && at.Hour < 8)
        || at.Hour >= 20 || at.Hour < 8;

    private static ProbeRun Copy(GeneratedProbe probe, DateTimeOffset startedAt, Random random, List<(DateTimeOffset From, DateTimeOffset To)> outages)
    {
        startedAt += TimeSpan.FromMilliseconds(random.Next(0, 200));
        var template = probe.Template.Parked is { } parked && HermesParked(startedAt) ? parked : probe.Template.Pass;
        // Log-normal spread around the recorded durations; an outage or a 0.2% chance fails the last step.
        var factor = Math.Exp(0.25 * Gaussian(random));
        var outage = template.Outcome == ProbeOutcome.Pass && outages.Exists(o => startedAt >= o.From && startedAt < o.To);
        var roll = random.NextDouble();
        var (outcome, message) = template.Outcome != ProbeOutcome.Pass ? (template.Outcome, template.Message)
            : outage || roll < 0.002 ? (ProbeOutcome.Fail, (string?)null)
            : roll < 0.007 ? (ProbeOutcome.Degraded, "Slow: above the probe's slow threshold")
            : (ProbeOutcome.Pass, template.Message);
        if (outcome == ProbeOutcome.Degraded)
        {
            factor *= 4;
        }

        var shift = startedAt - template.StartedAt;
        var steps = template.Steps.Select(s => s with { StartedAt = s.StartedAt + shift, DurationMs = s.DurationMs * factor }).ToList();
        if (outcome == ProbeOutcome.Fail && steps.Count > 0)
        {
            var requestId = Guid.NewGuid().ToString();
            steps[^1] = steps[^1] with
            {
                Outcome = StepOutcome.Fail,
                Failure = new StepFailure("Aws", "Rate exceeded", "ThrottlingException", requestId, 400),
            };
            message = $"{steps[^1].Name}: ThrottlingException (HTTP 400, request {requestId}) Rate exceeded";
        }

        var duration = (template.DurationMs ?? 0) * factor;
        return template with
        {
            Id = Guid.CreateVersion7(startedAt).ToString("N"),
            ProbeId = probe.Id,
            Trigger = RunTrigger.Schedule,
            StartedAt = startedAt,
            EndedAt = startedAt + TimeSpan.FromMilliseconds(duration),
            DurationMs = duration,
            Outcome = outcome,
            Message = message,
            Steps = steps,
            Metrics = template.Metrics?.ToDictionary(m => m.Key, m => m.Value * factor),
        };
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static async Task<IReadOnlyList<BenchmarkRow>> MeasureAsync(BenchmarkContext context, string contentRoot, IReadOnlyList<GeneratedProbe> probes,
        int days, Generation? generation)
    {
        var databasePath = Path.Combine(contentRoot, "data", SqliteDatabase.FileName);
        var size = SizeOf(databasePath);
        var breakdown = await SizeBreakdownAsync(databasePath, size);
        var generated = generation is null
            ? $"a kept database measured again ({ReuseVariable})"
            : $"{days} days × {probes.Count} probes at {Interval.TotalSeconds:0} s: {generation.Runs:N0} runs written in "
                + $"{generation.Writing.TotalMinutes:0.0} min and compacted in {generation.Compacting.TotalMinutes:0.0} min (a day's compaction p95 {Stats.Ms(generation.CompactDayP95Ms)} ms)";
        return await MeasureHostAsync(context, Name, contentRoot, probes, days, size, $"{generated}; {breakdown}", TargetQueryMs, settings => settings["Dashboard:DataDirectory"] = "data");
    }

    /// <summary>
    /// The size row, then the uptime queries and the two pages of a dashboard started on the generated history
    /// (<paramref name="useStore"/> points its settings at the store that holds it); the platform's uptime is held to
    /// <paramref name="platformTargetMs"/>, one probe's to 50 ms.
    /// </summary>
    internal static async Task<IReadOnlyList<BenchmarkRow>> MeasureHostAsync(BenchmarkContext context, string name, string contentRoot,
        IReadOnlyList<GeneratedProbe> probes, int days, long size, string sizeNotes, double platformTargetMs, Action<Dictionary<string, string?>> useStore)
    {
        var settings = DashboardHost.BaseSettings();
        useStore(settings);
        foreach (var probe in probes)
        {
            DashboardHost.AddProbe(settings, probe.Id, probe.Template.Pass.ProbeKind);
        }

        await using var host = await DashboardHost.StartAsync(settings, contentRoot);
        var history = host.Get<IHistoryStore>();
        var probeId = probes[0].Id;
        var uptime = new List<double>();
        var platformUptime = new List<double>();
        IReadOnlyList<UptimeWindow> windows = [];
        for (var i = 0; i < 23; i++)
        {
            var from = Stopwatch.GetTimestamp();
            windows = await history.GetUptimeAsync(probeId, CancellationToken.None);
            var probeMs = Stopwatch.GetElapsedTime(from).TotalMilliseconds;
            from = Stopwatch.GetTimestamp();
            await history.GetUptimeAsync(null, CancellationToken.None);
            var platformMs = Stopwatch.GetElapsedTime(from).TotalMilliseconds;
            if (i >= 3)
            {
                uptime.Add(probeMs);
                platformUptime.Add(platformMs);
            }
        }

        var year = windows.Single(w => w.Window == "365d");
        context.Log($"history: uptime of {probeId}: {Stats.Summary(uptime, 50, 100)}; platform: {Stats.Summary(platformUptime, 50, 100)}; 365 d = {year.Uptime:P3} of {year.Runs:N0} runs");

        await using var chromium = await Chromium.LaunchAsync();
        await using var browserContext = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString() });
        var overview = await PageLoadsAsync(browserContext, "/", "overview", context.Log,
            [$"document.querySelectorAll('tr.probe-row').length >= {probes.Count}", "document.querySelector('[data-platform-window=\"365d\"]')"]);
        var probePage = await PageLoadsAsync(browserContext, $"/probes/{probeId}", "probe", context.Log,
            ["document.querySelector('[data-testid=\"latency-chart\"] svg')", "document.querySelector('[data-window=\"365d\"]')", "document.querySelector('tr.run-row')"]);
        context.Log($"history: overview {Describe(overview)}; probe page {Describe(probePage)}");
        context.Log($"history: every load on screen: overview {string.Join(" ", overview.Select(l => Stats.Ms(l.OnScreenMs)))}; "
            + $"probe page {string.Join(" ", probePage.Select(l => Stats.Ms(l.OnScreenMs)))}");

        var loads = "navigation start → on screen: the first contentful paint, which is the first frame (the layout holds rendering until the "
            + "prerendered page is parsed to its end, so that frame has every row, chart and chip); performance.now() in Chromium, measured by the page "
            + "itself; 10 loads after 2 warm-up loads in one tab, each a whole document and a new circuit, each begun once the last one was idle";
        return
        [
            new BenchmarkRow(name, $"{days} d × {probes.Count} probes, database size", Stats.Mb(size), "<= 1 GB", BenchmarkRow.YesNo(size <= TargetSizeBytes), sizeNotes),
            new BenchmarkRow(name, "uptime 24h/7d/30d/365d query", $"one probe {Stats.Summary(uptime, 50, 100)}; platform (all probes) {Stats.Summary(platformUptime, 50, 100)}",
                platformTargetMs == TargetQueryMs ? $"<= {TargetQueryMs:0} ms" : $"one probe <= {TargetQueryMs:0} ms, the platform <= {platformTargetMs:0} ms",
                BenchmarkRow.YesNo(Stats.Percentile(uptime, 50) <= TargetQueryMs && Stats.Percentile(platformUptime, 50) <= platformTargetMs),
                $"IHistoryStore.GetUptimeAsync (all four windows in one call), 20 calls after 3 warm-up calls; 365 d uptime of {probeId} {year.Uptime:P3} over {year.Runs:N0} runs"),
            new BenchmarkRow(name, "overview page render", $"on screen {Stats.Summary([.. overview.Select(l => l.OnScreenMs)], 50, 100)}", $"<= {TargetRenderMs:0} ms",
                BenchmarkRow.YesNo(Stats.Percentile([.. overview.Select(l => l.OnScreenMs)], 50) <= TargetRenderMs),
                $"{probes.Count} rows and the platform uptime; {loads}; {Describe(overview)}"),
            new BenchmarkRow(name, "probe page load", $"on screen {Stats.Summary([.. probePage.Select(l => l.OnScreenMs)], 50, 100)}", $"<= {TargetRenderMs:0} ms",
                BenchmarkRow.YesNo(Stats.Percentile([.. probePage.Select(l => l.OnScreenMs)], 50) <= TargetRenderMs),
                $"/probes/{probeId}, 7 d charts from hourly rollups, uptime, runs, incidents; {loads}; {Describe(probePage)}"),
        ];
    }

    private static string Describe(List<PageLoad> loads) =>
        $"on screen {Stats.Summary([.. loads.Select(l => l.OnScreenMs)], 50, 100)}, the frame with the content began {Stats.Summary([.. loads.Select(l => l.ContentMs)], 50, 100)}, "
        + $"in the first frame in {loads.Count(l => l.ContentFrame == 1)} of {loads.Count} loads"
        + (loads.Any(l => l.ContentFrame != 1)
            ? $" (for the others, on screen is that frame's start: a lower bound; the first frame lacked {string.Join("; ", loads.Where(l => l.ContentFrame != 1).Select(l => $"{l.MissingInFirstFrame} (content in frame {l.ContentFrame})"))})"
            : "")
        + $"; interactive (circuit up, buttons work) {Stats.Summary([.. loads.Select(l => l.InteractiveMs)], 50, 100)}";

    /// <summary>Navigation start → the page's content in it (prerendered HTML) and → the circuit has taken it over.</summary>
    /// <param name="contentParts">JavaScript expressions that are all true once the page shows its content.</param>
    private static async Task<List<PageLoad>> PageLoadsAsync(IBrowserContext browserContext, string path, string name,
        Action<string> log, string[] contentParts)
    {
        var traceDirectory = Environment.GetEnvironmentVariable(TraceVariable) is { Length: > 0 } traces ? traces : null;
        var loads = new List<PageLoad>();
        // One tab navigated again and again, as a user reloads or comes back: every load is a whole document and a new
        // circuit. (A new tab of this Chromium spends ~150 ms on its own omnibox WebUI first: not the page's load.)
        var page = await browserContext.NewPageAsync();
        // The page times itself, from a script that runs first in every document: each frame (requestAnimationFrame,
        // so it sees the first frame that shows the content) until it has the content and the circuit, then it waits
        // until the browser is idle and reports on the console, with the first contentful paint (when that first
        // frame was on screen) and in which frame the content was. Through the fourth round Playwright asked the page
        // instead (WaitForFunction): its first call into a new document evaluates Playwright's injected script (~25 ms
        // of the renderer's main thread in a Chrome trace) right when the page is being parsed and painted, and the
        // next load began while the last one's circuit render was still being styled and painted (~30 ms).
        await page.AddInitScriptAsync($$"""
            (() => {
              const parts = [{{string.Join(", ", contentParts.Select(p => $"() => {p}"))}}];
              let content = null, interactive = null, frames = 0, contentFrame = 0, missing = '-';
              const frame = () => {
                const now = performance.now();
                frames++;
                if (content === null) {
                  const absent = parts.map((part, i) => part() ? null : i).filter(i => i !== null);
                  if (frames === 1 && absent.length > 0) {
                    // What the first frame was: how far the page was parsed, whether the circuit had it already.
                    missing = `${absent.join(',')}@${Math.round(now)}ms:${document.getElementById('page-end') ? 'parsed' : 'parsing'}`
                      + `:${document.querySelector('{{DashboardHost.InteractiveSelector}}') ? 'interactive' : 'prerendered'}`;
                  }
                  if (absent.length === 0) { content = now; contentFrame = frames; }
                }
                if (interactive === null && document.querySelector('{{DashboardHost.InteractiveSelector}}')) interactive = now;
                if (content !== null && interactive !== null) {
                  requestIdleCallback(() => {
                    const paint = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1;
                    console.debug(`page-load ${content} ${interactive} ${paint} ${contentFrame} ${missing}`);
                  }, { timeout: 2000 });
                  return;
                }
                requestAnimationFrame(frame);
              };
              if (location.protocol.startsWith('http')) requestAnimationFrame(frame);
            })();
            """);
        TaskCompletionSource<PageLoad>? loaded = null;
        page.Console += (_, message) =>
        {
            if (message.Text.Split(' ') is ["page-load", var contentAt, var interactiveAt, var paintAt, var contentFrame, var missing])
            {
                loaded?.TrySetResult(new PageLoad(Number(contentAt), Number(interactiveAt), Number(paintAt), int.Parse(contentFrame, CultureInfo.InvariantCulture),
                    missing == "-" ? "" : Missing(missing, contentParts)));
            }
        };

        // A traced load is one more, not counted: tracing slows the browser down.
        for (var i = 0; i < (traceDirectory is null ? 12 : 13); i++)
        {
            var trace = i == 12 ? await ChromeTrace.StartAsync(browserContext.Browser!) : null;
            loaded = new TaskCompletionSource<PageLoad>(TaskCreationOptions.RunContinuationsAsynchronously);
            await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            var load = await loaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
            if (trace is not null)
            {
                var file = Path.Combine(traceDirectory!, $"{name}.json");
                Directory.CreateDirectory(traceDirectory!);
                await trace.StopAsync(file);
                log($"{path}: Chrome trace of one more load (content at {Stats.Ms(load.ContentMs)} ms) in {file}");
            }

            if (i is >= 2 and < 12)
            {
                loads.Add(load);
            }

            if (i == 11)
            {
                // Where the last load's time went, for the diagnosis: the page's own timings up to the circuit's start.
                var phases = await page.EvaluateAsync<string>("""
                    () => {
                      const nav = performance.getEntriesByType('navigation')[0];
                      const negotiate = performance.getEntriesByType('resource').find(e => e.name.includes('negotiate'));
                      const paint = performance.getEntriesByName('first-contentful-paint')[0];
                      return `HTML ${Math.round(nav.responseEnd)} ms, first contentful paint ${Math.round(paint?.startTime ?? NaN)} ms, `
                        + `DOMContentLoaded ${Math.round(nav.domContentLoadedEventEnd)} ms, `
                        + `circuit negotiated ${Math.round(negotiate?.responseEnd ?? NaN)} ms`;
                    }
                    """);
                log($"{path}: last load {phases}, content in frame {loads[^1].ContentFrame} at {Stats.Ms(loads[^1].ContentMs)} ms, interactive {Stats.Ms(loads[^1].InteractiveMs)} ms");
            }
        }

        await page.CloseAsync();

        return loads;
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>"0,2@123ms:parsed:prerendered" → the parts the first frame lacked, and what that frame was.</summary>
    private static string Missing(string report, string[] contentParts)
    {
        var (parts, frame) = (report[..report.IndexOf('@')], report[(report.IndexOf('@') + 1)..]);
        return $"{string.Join(", ", parts.Split(',').Select(i => contentParts[int.Parse(i, CultureInfo.InvariantCulture)]))} (first frame at {frame.Replace(":", ", ")})";
    }

    /// <summary>
    /// One page load, in ms from navigation start (the page's performance.now()): the frame that first had the content
    /// (its requestAnimationFrame), the first contentful paint (that frame on screen, when it is the first frame), the
    /// circuit's take-over, which frame of the document had the content first (1 = the first frame), and when that was
    /// not the first, what the first frame lacked.
    /// </summary>
    private sealed record PageLoad(double ContentMs, double InteractiveMs, double PaintMs, int ContentFrame, string MissingInFirstFrame)
    {
        /// <summary>The first contentful paint when the first frame had the content; else the start of the frame that had it.</summary>
        public double OnScreenMs => ContentFrame == 1 && PaintMs >= ContentMs ? PaintMs : ContentMs;
    }

    private static long SizeOf(string databasePath) =>
        new[] { databasePath, databasePath + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);

    /// <summary>What the database holds at the end (Microsoft.Data.Sqlite's SQLite has no dbstat; `sqlite3` on a kept database does).</summary>
    private static async Task<string> SizeBreakdownAsync(string databasePath, long size)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databasePath};Mode=ReadOnly");
        await connection.OpenAsync();
        var counts = await connection.QuerySingleAsync<(long Runs, long Steps, long Hourly, long Daily, long Free, long PageSize)>(
            """
            SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM steps), (SELECT COUNT(*) FROM rollups WHERE resolution = 'Hour'),
                   (SELECT COUNT(*) FROM rollups WHERE resolution = 'Day'), (SELECT freelist_count FROM pragma_freelist_count), (SELECT page_size FROM pragma_page_size);
            """);
        return $"kept: {counts.Runs:N0} raw runs ({size / Math.Max(1, counts.Runs)} bytes of file per raw run), {counts.Steps:N0} steps, "
            + $"{counts.Hourly:N0} hourly and {counts.Daily:N0} daily rollups, {Stats.Mb(counts.Free * counts.PageSize)} free pages";
    }

    /// <summary>The time the generated history has reached: the store and the compaction see the simulated present.</summary>
    private sealed class GenerationClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
