using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// Side by side with the stack a platform team would pick instead: the same 500 HTTP health checks at 10 s against one
/// local target, by the dashboard (500 <c>Http</c> probes, every run stored with its steps) and by Prometheus with
/// blackbox_exporter (Debian's, 500 targets through the <c>http_2xx</c> module, scrape 10 s). Each side runs in
/// processes of its own; over 2 minutes after a warm-up: CPU (% of one core, from /proc/PID/stat) and RSS. Then the
/// target goes down: time until half the checks say so — the dashboard's <c>HealthChanged</c> Down on the hub (Down
/// after two failures, the second an immediate confirm) against Prometheus's alert firing (<c>probe_success == 0</c>
/// for 10 s, evaluated every second: two failed scrapes).
/// </summary>
public static class PeerBenchmark
{
    public const string Name = "peer";

    private const int Probes = 500;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context)
    {
        var measure = context.Quick ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(2);
        var warmUp = context.Quick ? TimeSpan.FromSeconds(15) : TimeSpan.FromSeconds(40);
        var healthy = true;
        await using var target = await StubServer.StartAsync(app => app.MapGet("/health", () => healthy ? Results.Ok("ok") : Results.StatusCode(503)));
        var targetUrl = target.Urls.First() + "/health";
        var directory = Directory.CreateTempSubdirectory("peer-benchmark-").FullName;

        using var dashboard = StartDashboard(directory, targetUrl, out var dashboardUrl);
        var (blackbox, prometheus, prometheusUrl) = StartPrometheus(directory, targetUrl);
        using var _ = blackbox;
        using var __ = prometheus;
        try
        {
            await WaitAsync(async http => (await http.GetAsync(dashboardUrl + "/alive")).IsSuccessStatusCode, "the dashboard", dashboard);
            await WaitAsync(async http => (await http.GetAsync(prometheusUrl + "/-/ready")).IsSuccessStatusCode, "prometheus", prometheus);
            context.Log($"peer: both up; warming up {warmUp.TotalSeconds:0} s, then measuring {measure.TotalSeconds:0} s");
            await Task.Delay(warmUp);

            var (dashboardFrom, peerFrom) = (Read(dashboard), Read(prometheus) + Read(blackbox));
            var wall = Stopwatch.StartNew();
            var dashboardRss = new List<long>();
            var peerRss = new List<long>();
            while (wall.Elapsed < measure)
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
                dashboardRss.Add(Read(dashboard).Rss);
                peerRss.Add(Read(prometheus).Rss + Read(blackbox).Rss);
            }

            var (dashboardTo, peerTo) = (Read(dashboard), Read(prometheus) + Read(blackbox));
            var dashboardCpu = (dashboardTo.Cpu - dashboardFrom.Cpu) / wall.Elapsed * 100;
            var peerCpu = (peerTo.Cpu - peerFrom.Cpu) / wall.Elapsed * 100;
            var (dashboardMb, peerMb) = (dashboardRss.Average() / 1048576, peerRss.Average() / 1048576);
            var runs = await CountRunsAsync(dashboardUrl);
            context.Log($"peer: dashboard {dashboardCpu:0.0}% CPU, {dashboardMb:0} MB; prometheus + blackbox {peerCpu:0.0}%, {peerMb:0} MB; {runs} runs stored");

            var (ours, theirs) = await DetectAsync(context, dashboardUrl, prometheusUrl, () => healthy = false);
            var cpuMet = dashboardCpu <= 0.5 * peerCpu;
            var rssMet = dashboardMb <= peerMb;
            return
            [
                new BenchmarkRow(Name, $"{Probes} HTTP checks at {Interval.TotalSeconds:0} s, {measure.TotalSeconds:0} s",
                    $"dashboard {dashboardCpu:0.0}% of a core, RSS {dashboardMb:0} MB; Prometheus + blackbox_exporter {peerCpu:0.0}%, {peerMb:0} MB "
                    + $"(CPU {dashboardCpu / peerCpu:0.00}×, RSS {dashboardMb / peerMb:0.00}×)",
                    "<= 0.5× their CPU, <= 1.0× their RSS", BenchmarkRow.YesNo(cpuMet && rssMet),
                    $"the dashboard stores every run with its step ({runs} stored runs at the end); RSS averaged over the window; CPU from /proc/PID/stat"),
                new BenchmarkRow(Name, "target down → half the checks report it",
                    $"dashboard {ours.TotalSeconds:0.0} s (HealthChanged Down); Prometheus {theirs.TotalSeconds:0.0} s (alert firing)",
                    "—", "n/a", "dashboard: Down after 2 failures, the second an immediate confirm; Prometheus: probe_success == 0 for 10 s, rules evaluated every 1 s, scrape 10 s"),
            ];
        }
        finally
        {
            foreach (var process in new[] { dashboard, prometheus, blackbox })
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
    }

    /// <summary>The dashboard in a process of its own with the 500 probes; <paramref name="environment"/> on top (another store).</summary>
    internal static Process StartDashboard(string directory, string targetUrl, out string url, IReadOnlyDictionary<string, string>? environment = null)
    {
        url = $"http://127.0.0.1:{DashboardHost.FreePort()}";
        var contentRoot = Directory.CreateDirectory(Path.Combine(directory, "dashboard")).FullName;
        var start = DashboardProcessMemory.StartInfo(contentRoot, url);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        for (var i = 0; i < Probes; i++)
        {
            var key = $"Dashboard__Probes__http-{i:000}__";
            start.Environment[key + "Kind"] = "Http";
            start.Environment[key + "Url"] = $"{targetUrl}?check={i}";
            start.Environment[key + "Interval"] = "00:00:10";
            start.Environment[key + "Timeout"] = "00:00:05";
        }

        return Started(start);
    }

    private static (Process Blackbox, Process Prometheus, string Url) StartPrometheus(string directory, string targetUrl)
    {
        var blackboxPort = DashboardHost.FreePort();
        var prometheusPort = DashboardHost.FreePort();
        var modules = Path.Combine(directory, "blackbox.yml");
        File.WriteAllText(modules, "modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n");
        var config = Path.Combine(directory, "prometheus.yml");
        var yaml = new List<string>
        {
            "global:",
            "  scrape_interval: 10s",
            "  evaluation_interval: 1s",
            $"rule_files: [\"{Path.Combine(directory, "rules.yml")}\"]",
            "scrape_configs:",
            "  - job_name: blackbox",
            "    metrics_path: /probe",
            "    params:",
            "      module: [http_2xx]",
            "    static_configs:",
            "      - targets:",
        };
        yaml.AddRange(Enumerable.Range(0, Probes).Select(i => $"          - {targetUrl}?check={i}"));
        yaml.AddRange(
        [
            "    relabel_configs:",
            "      - source_labels: [__address__]",
            "        target_label: __param_target",
            "      - source_labels: [__param_target]",
            "        target_label: instance",
            "      - target_label: __address__",
            $"        replacement: 127.0.0.1:{blackboxPort}",
        ]);
        File.WriteAllLines(config, yaml);
        File.WriteAllText(Path.Combine(directory, "rules.yml"), """
            groups:
              - name: health
                rules:
                  - alert: HealthCheckFailing
                    expr: probe_success == 0
                    for: 10s
            """);
        var blackbox = Started(new ProcessStartInfo("prometheus-blackbox-exporter",
            [$"--config.file={modules}", $"--web.listen-address=127.0.0.1:{blackboxPort}"]) { RedirectStandardOutput = true, RedirectStandardError = true });
        var prometheus = Started(new ProcessStartInfo("prometheus",
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "tsdb")}", $"--web.listen-address=127.0.0.1:{prometheusPort}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });
        return (blackbox, prometheus, $"http://127.0.0.1:{prometheusPort}");
    }

    /// <summary>The target goes down; when has each side reported half its checks down?</summary>
    private static async Task<(TimeSpan Ours, TimeSpan Theirs)> DetectAsync(BenchmarkContext context, string dashboardUrl, string prometheusUrl, Action takeDown)
    {
        var down = 0;
        var halfOurs = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(new Uri(dashboardUrl + "/"), StatusHub.Path.TrimStart('/')), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
        hub.On<HealthChangedDto>(nameof(IStatusHubClient.HealthChanged), change =>
        {
            if (change.Health == "Down" && Interlocked.Increment(ref down) == Probes / 2)
            {
                halfOurs.TrySetResult(clock.Elapsed);
            }
        });
        await hub.StartAsync();
        clock.Start();
        takeDown();
        using var http = new HttpClient();
        TimeSpan? theirs = null;
        while (clock.Elapsed < TimeSpan.FromMinutes(2) && theirs is null)
        {
            var alerts = await http.GetFromJsonAsync<JsonElement>(prometheusUrl + "/api/v1/alerts");
            var firing = alerts.GetProperty("data").GetProperty("alerts").EnumerateArray().Count(a => a.GetProperty("state").GetString() == "firing");
            if (firing >= Probes / 2)
            {
                theirs = clock.Elapsed;
            }
            else
            {
                await Task.Delay(200);
            }
        }

        var ours = await halfOurs.Task.WaitAsync(TimeSpan.FromMinutes(2));
        context.Log($"peer: detect — dashboard {ours.TotalSeconds:0.0} s, prometheus {theirs?.TotalSeconds:0.0} s");
        return (ours, theirs ?? TimeSpan.MaxValue);
    }

    internal static async Task<long> CountRunsAsync(string dashboardUrl)
    {
        using var http = new HttpClient();
        var uptime = await http.GetFromJsonAsync<JsonElement>(dashboardUrl + "/api/uptime");
        return uptime.GetProperty("windows")[0].GetProperty("runs").GetInt64();
    }

    private static Process Started(ProcessStartInfo start)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task WaitAsync(Func<HttpClient, Task<bool>> ready, string what, Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{what} exited with code {process.ExitCode} before it was ready.");
            }

            try
            {
                if (await ready(http))
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{what} was not ready within 90 s.");
    }

    /// <summary>CPU time (user + system) and RSS of a process, from /proc.</summary>
    internal readonly record struct Usage(TimeSpan Cpu, long Rss)
    {
        public static Usage operator +(Usage a, Usage b) => new(a.Cpu + b.Cpu, a.Rss + b.Rss);
    }

    internal static Usage Read(Process process) => Read(process.Id);

    /// <param name="withChildren">Also the CPU time of its children that have ended (cutime, cstime): a server's finished sessions.</param>
    internal static Usage Read(int pid, bool withChildren = false)
    {
        var fields = StatFields(pid);
        // Fields 14 to 17 (utime, stime, cutime, cstime) in clock ticks; after the command's ')' they are the 12th to 15th.
        var ticks = Enumerable.Range(11, withChildren ? 4 : 2).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
        var rssKb = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return new Usage(TimeSpan.FromSeconds(ticks / 100.0), long.Parse(rssKb, CultureInfo.InvariantCulture) * 1024);
    }

    /// <summary>The fields of /proc/PID/stat after the command's ')': the state first, then the parent's pid, …</summary>
    internal static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
