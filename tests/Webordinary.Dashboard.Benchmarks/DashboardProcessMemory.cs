using System.Diagnostics;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// The same memory measurement with the dashboard in a process of its own (the built app, <c>dotnet
/// Webordinary.Dashboard.dll</c>, configured by environment variables as an operator would), so its RSS holds no
/// benchmark harness: 100 probes at 5 s, 10 Chromium pages on the overview, two more runs of every probe, then RSS.
/// </summary>
public static class DashboardProcessMemory
{
    public static async Task<BenchmarkRow> RunAsync(BenchmarkContext context, IReadOnlyList<string> probeIds, int pages, long targetBytes)
    {
        var port = DashboardHost.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var contentRoot = Directory.CreateTempSubdirectory("dashboard-memory-").FullName;
        var start = StartInfo(contentRoot, url);
        foreach (var (key, value) in DashboardHost.BaseSettings())
        {
            start.Environment[key.Replace(":", "__")] = value;
        }

        foreach (var id in probeIds)
        {
            start.Environment[$"Dashboard__Probes__{id}__Kind"] = "CloudWatchHeartbeat";
            start.Environment[$"Dashboard__Probes__{id}__Interval"] = "00:00:05";
        }

        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await WaitAliveAsync(url, process);
            var completed = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var gate = new Lock();
            await using var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(new Uri(url + "/"), StatusHub.Path.TrimStart('/')), o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.SkipNegotiation = true;
                })
                .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
                .Build();
            var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Dictionary<string, int>? targets = null;
            hub.On<RunDto>(nameof(IStatusHubClient.RunCompleted), run =>
            {
                lock (gate)
                {
                    completed[run.ProbeId] = completed.GetValueOrDefault(run.ProbeId) + 1;
                    if (targets is not null && targets.All(t => completed.GetValueOrDefault(t.Key) >= t.Value))
                    {
                        settled.TrySetResult();
                    }
                }
            });
            await hub.StartAsync();

            await using var chromium = await Chromium.LaunchAsync();
            await using var browser = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = url });
            for (var i = 0; i < pages; i++)
            {
                await Chromium.OpenOverviewAsync(browser, probeIds.Count);
            }

            context.Log($"memory (own process): {pages} circuits up; waiting for 2 more runs of each of {probeIds.Count} probes");
            lock (gate)
            {
                targets = probeIds.ToDictionary(id => id, id => completed.GetValueOrDefault(id) + 2, StringComparer.OrdinalIgnoreCase);
            }

            await settled.Task.WaitAsync(TimeSpan.FromSeconds(90));
            process.Refresh();
            var rss = process.WorkingSet64;
            var peak = process.PeakWorkingSet64;
            var split = RssSplit(process.Id);
            context.Log($"memory (own process): RSS {Stats.Mb(rss)}, peak {Stats.Mb(peak)}; {split}");
            return new BenchmarkRow(MemoryBenchmark.Name, $"{probeIds.Count} probes (5 s interval), {pages} circuits, dashboard in its own process",
                $"RSS {Stats.Mb(rss)} (peak {Stats.Mb(peak)})", "RSS <= 200 MB", BenchmarkRow.YesNo(rss <= targetBytes),
                $"the built app started with `dotnet Webordinary.Dashboard.dll`, configured by environment variables; only the dashboard's own process is measured; {split}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Where the RSS is (Linux <c>/proc/PID/status</c>): anonymous memory (the GC heap, native allocations such as
    /// SQLite's page caches, thread stacks), shared memory (the runtime maps its JIT code and type data twice, writable
    /// and executable, through a memfd) and file-backed pages (the runtime's and the app's DLLs, mostly shared).
    /// </summary>
    private static string RssSplit(int pid)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path))
        {
            return "RSS split unavailable";
        }

        var fields = File.ReadLines(path).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => long.TryParse(p[1].Trim().Split(' ')[0], out var kb) ? kb * 1024 : 0);
        return $"of which anonymous {Stats.Mb(fields.GetValueOrDefault("RssAnon"))}, shared memory (JIT code, type data) "
            + $"{Stats.Mb(fields.GetValueOrDefault("RssShmem"))}, file-backed {Stats.Mb(fields.GetValueOrDefault("RssFile"))}";
    }

    private static async Task WaitAliveAsync(string url, Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The dashboard exited with code {process.ExitCode} before it answered.");
            }

            try
            {
                if ((await http.GetAsync(url + "/alive")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await poll.WaitForNextTickAsync();
        }

        throw new TimeoutException("The dashboard did not answer /alive within 60 s.");
    }

    /// <summary>The published dashboard as an operator starts it: Production, warnings only, configured by environment variables.</summary>
    public static ProcessStartInfo StartInfo(string contentRoot, string url)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Webordinary.Dashboard.dll")])
        {
            WorkingDirectory = contentRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return start;
    }
}
