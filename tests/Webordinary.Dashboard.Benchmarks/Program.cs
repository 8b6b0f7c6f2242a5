using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Webordinary.Dashboard.Benchmarks;
using Webordinary.Dashboard.Testing;

// dotnet run -c Release --project tests/Webordinary.Dashboard.Benchmarks -- [names...] [--quick]
// Each benchmark (each scheduler size) runs in a child process of its own, so one's threads, heap and CPU time
// never count in another's figures; this process only plans, collects and prints the table.
// The dashboard's own process settings (Program.cs applies them first): the hosts run in this process and its children.
Webordinary.Dashboard.Hosting.ProcessSettings.Apply();
var quick = args.Contains("--quick");
if (Arguments.ValueOf(args, "--child") is { } childSpec)
{
    return await Benchmarks.RunChildAsync(BenchmarkUnit.Parse(childSpec), quick, Arguments.ValueOf(args, "--rows-out")!);
}

if (Arguments.ValueOf(args, HubClientsProcess.Option) is { } hub)
{
    return await HubClientsProcess.RunAsync(new Uri(hub), args.Contains(HubClientsProcess.MessagePackOption));
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine($"usage: dotnet run -c Release --project tests/Webordinary.Dashboard.Benchmarks -- [name[:n,n...]...] [--quick]{Environment.NewLine}"
        + $"names: {string.Join(", ", Benchmarks.Names)} (none = all); push:N,... and scheduler:P,... pick the sizes");
    return 0;
}

List<BenchmarkUnit> plan;
try
{
    plan = Benchmarks.Plan([.. args.Where(a => !a.StartsWith("--", StringComparison.Ordinal))]);
}
catch (ArgumentException exception)
{
    await Console.Error.WriteLineAsync(exception.Message);
    return 2;
}

var rows = new List<BenchmarkRow>();
foreach (var unit in plan)
{
    rows.AddRange(await Benchmarks.RunUnitInChildAsync(unit, quick));
}

var command = "dotnet run -c Release --project tests/Webordinary.Dashboard.Benchmarks" + (args.Length == 0 ? "" : " -- " + string.Join(' ', args));
var table = ResultsTable.Render(rows, command, quick);
Console.WriteLine(table);
var directory = Path.Combine(MotoServer.RepositoryRoot(), "artifacts", "benchmarks");
Directory.CreateDirectory(directory);
await File.WriteAllTextAsync(Path.Combine(directory, "results.md"), table);
await File.WriteAllTextAsync(Path.Combine(directory, $"results-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md"), table);
await Console.Error.WriteLineAsync($"Written to {Path.Combine(directory, "results.md")}");
return rows.Any(r => r.Met == "error") ? 1 : 0;

/// <summary>A benchmark to run, with the sizes it runs at (none: its defaults).</summary>
internal sealed record BenchmarkUnit(string Name, IReadOnlyList<int> Sizes)
{
    public string Spec => Sizes.Count == 0 ? Name : $"{Name}:{string.Join(',', Sizes)}";

    /// <summary>"push", "push:1,100", "scheduler:500".</summary>
    public static BenchmarkUnit Parse(string spec)
    {
        var parts = spec.Split(':', 2);
        var sizes = parts.Length == 1 ? [] : parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0
                ? size
                : throw new ArgumentException($"'{s}' in '{spec}' is not a positive whole number.")).ToList();
        return new BenchmarkUnit(parts[0].ToLowerInvariant(), sizes);
    }
}

internal static class Arguments
{
    public static string? ValueOf(string[] args, string option)
    {
        var index = Array.IndexOf(args, option);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}

internal static class Benchmarks
{
    public static readonly string[] Names = [PushBenchmark.Name, PushBenchmark.WireName, PushBenchmark.ClusterName, BrowserBenchmark.Name, SchedulerBenchmark.Name, DetectBenchmark.Name, NotifyBenchmark.Name, MemoryBenchmark.Name, PeerBenchmark.Name, PeerPostgresBenchmark.Name, HistoryBenchmark.Name, HistoryPostgresBenchmark.Name, ResponseOutputBenchmark.Name];

    private static readonly Dictionary<string, string> Targets = new()
    {
        [PushBenchmark.Name] = "p99 <= 50 ms at N = 1000",
        [PushBenchmark.WireName] = "p99 <= 50 ms at N = 1000",
        [PushBenchmark.ClusterName] = "p99 <= 250 ms at N = 100 (stored on A, pushed by B)",
        [BrowserBenchmark.Name] = "p95 <= 250 ms",
        [SchedulerBenchmark.Name] = "no missed fire, CPU <= 50% of a core at P = 500",
        [DetectBenchmark.Name] = "<= interval + 2 s",
        [NotifyBenchmark.Name] = "p99 <= detect + 1 s; a slow receiver delays nothing else",
        [MemoryBenchmark.Name] = "RSS <= 200 MB",
        [HistoryBenchmark.Name] = "<= 1 GB, uptime query <= 50 ms, pages <= 300 ms",
        [HistoryPostgresBenchmark.Name] = "<= 1 GB, uptime query <= 50 ms (one probe) / 100 ms (platform), pages <= 300 ms",
        [PeerBenchmark.Name] = "<= 0.5× Prometheus + blackbox CPU, <= 1.0× their RSS",
        [PeerPostgresBenchmark.Name] = "dashboard + PostgreSQL CPU <= 1.5× the SQLite figure",
        [ResponseOutputBenchmark.Name] = "CPU a request within 5% of without",
    };

    /// <summary>The units in table order; the scheduler runs one child per size.</summary>
    public static List<BenchmarkUnit> Plan(IReadOnlyList<string> specs)
    {
        var requested = specs.Count == 0 ? Names.Select(n => new BenchmarkUnit(n, [])).ToList() : specs.Select(BenchmarkUnit.Parse).ToList();
        if (requested.FirstOrDefault(u => !Names.Contains(u.Name)) is { } unknown)
        {
            throw new ArgumentException($"Unknown benchmark '{unknown.Name}'. Known: {string.Join(", ", Names)}.");
        }

        return [.. requested
            .OrderBy(u => Array.IndexOf(Names, u.Name))
            .SelectMany(u => u.Name != SchedulerBenchmark.Name
                ? [u]
                : (u.Sizes.Count == 0 ? SchedulerBenchmark.DefaultProbeCounts : u.Sizes).Select(p => new BenchmarkUnit(u.Name, [p])))];
    }

    public static async Task<IReadOnlyList<BenchmarkRow>> RunUnitInChildAsync(BenchmarkUnit unit, bool quick)
    {
        var rowsFile = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!);
            // Under `dotnet X.dll` the process is the muxer: the child needs the assembly too.
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            {
                start.ArgumentList.Add(typeof(Benchmarks).Assembly.Location);
            }

            foreach (var arg in (string[])["--child", unit.Spec, "--rows-out", rowsFile, .. quick ? ["--quick"] : Array.Empty<string>()])
            {
                start.ArgumentList.Add(arg);
            }

            using var child = Process.Start(start)!;
            var limit = TimeLimit(unit, quick);
            using var timeout = new CancellationTokenSource(limit);
            try
            {
                await child.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
                return [BenchmarkRow.Error(unit.Name, unit.Spec, Targets[unit.Name], $"did not finish within {limit.TotalMinutes:0} min; stopped")];
            }

            var json = await File.ReadAllTextAsync(rowsFile);
            return json.Length > 0
                ? JsonSerializer.Deserialize<List<BenchmarkRow>>(json)!
                : [BenchmarkRow.Error(unit.Name, unit.Spec, Targets[unit.Name], $"the benchmark process exited with code {child.ExitCode} and wrote no results")];
        }
        finally
        {
            File.Delete(rowsFile);
        }
    }

    /// <summary>In a child process: runs one unit and writes its rows (or the error) as JSON.</summary>
    public static async Task<int> RunChildAsync(BenchmarkUnit unit, bool quick, string rowsFile)
    {
        var context = new BenchmarkContext(quick);
        IReadOnlyList<BenchmarkRow> rows;
        var exitCode = 0;
        var (machineFrom, processFrom) = (MachineReading.Now(), ProcessReading.Now());
        try
        {
            rows = unit.Name switch
            {
                PushBenchmark.Name => await PushBenchmark.RunAsync(context, unit.Sizes.Count > 0 ? unit.Sizes : PushBenchmark.DefaultClientCounts),
                PushBenchmark.WireName => await PushBenchmark.RunAsync(context, unit.Sizes.Count > 0 ? unit.Sizes : PushBenchmark.DefaultClientCounts, wire: true),
                PushBenchmark.ClusterName => await PushBenchmark.RunClusterAsync(context, unit.Sizes.Count > 0 ? unit.Sizes : PushBenchmark.ClusterClientCounts),
                BrowserBenchmark.Name => await BrowserBenchmark.RunAsync(context),
                SchedulerBenchmark.Name => await SchedulerBenchmark.RunAsync(context, unit.Sizes.Single()),
                DetectBenchmark.Name => await DetectBenchmark.RunAsync(context),
                ResponseOutputBenchmark.Name => await ResponseOutputBenchmark.RunAsync(context),
                NotifyBenchmark.Name => await NotifyBenchmark.RunAsync(context),
                MemoryBenchmark.Name => await MemoryBenchmark.RunAsync(context),
                PeerBenchmark.Name => await PeerBenchmark.RunAsync(context),
                PeerPostgresBenchmark.Name => await PeerPostgresBenchmark.RunAsync(context),
                HistoryBenchmark.Name => await HistoryBenchmark.RunAsync(context, unit.Sizes.Count > 0 ? unit.Sizes.Single() : null),
                HistoryPostgresBenchmark.Name => await HistoryPostgresBenchmark.RunAsync(context, unit.Sizes.Count > 0 ? unit.Sizes.Single() : null),
                _ => throw new ArgumentException($"Unknown benchmark '{unit.Name}'."),
            };
        }
        catch (Exception exception)
        {
            context.Log($"{unit.Spec} failed: {exception}");
            rows = [BenchmarkRow.Error(unit.Name, unit.Spec, Targets.GetValueOrDefault(unit.Name, "—"), $"{exception.GetType().Name}: {exception.Message}")];
            exitCode = 1;
        }

        var load = MachineReading.Describe(machineFrom, MachineReading.Now(), processFrom, ProcessReading.Now());
        rows = [.. rows.Select(r => r with { Notes = $"{r.Notes}; {load}" })];
        await File.WriteAllTextAsync(rowsFile, JsonSerializer.Serialize(rows));
        return exitCode;
    }

    /// <summary>Far above a normal run, so only a hung benchmark is stopped.</summary>
    private static TimeSpan TimeLimit(BenchmarkUnit unit, bool quick) => unit.Name switch
    {
        SchedulerBenchmark.Name => TimeSpan.FromMinutes(quick ? 4 : 6),
        HistoryBenchmark.Name => TimeSpan.FromMinutes(quick ? 60 : 600),
        HistoryPostgresBenchmark.Name => TimeSpan.FromMinutes(90),
        NotifyBenchmark.Name => TimeSpan.FromMinutes(quick ? 4 : 10),
        PeerPostgresBenchmark.Name => TimeSpan.FromMinutes(quick ? 5 : 10),
        _ => TimeSpan.FromMinutes(5),
    };
}

internal static class ResultsTable
{
    public static string Render(IEnumerable<BenchmarkRow> rows, string command, bool quick)
    {
        var text = new StringBuilder();
        text.AppendLine("## Benchmark results").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{command}`{(quick ? " (quick mode)" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Machine()}");
        text.AppendLine();
        text.AppendLine("| Benchmark | Parameter | Measured | Target | Met | Notes |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var row in rows)
        {
            string[] cells = [row.Benchmark, row.Parameter, row.Measured, row.Target, row.Met, row.Notes];
            text.AppendLine("| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" "))) + " |");
        }

        return text.ToString();
    }

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memoryGiB = memory is { } m && long.TryParse(m.Split(' ')[0], CultureInfo.InvariantCulture, out var kb) ? $"{kb / 1048576.0:0.0} GiB RAM" : "RAM unknown";
        return $"{Environment.ProcessorCount} cores ({cpu ?? "CPU unknown"}), {memoryGiB}, {RuntimeInformation.OSDescription}, "
            + $"{RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, nice {Nice()}";
    }

    /// <summary>This process's nice value (field 19 of /proc/self/stat), "?" elsewhere.</summary>
    private static string Nice()
    {
        var stat = File.Exists("/proc/self/stat") ? File.ReadAllText("/proc/self/stat") : "";
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 16 ? fields[16] : "?";
    }
}
