using System.CommandLine;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Cli;

/// <summary>
/// <c>probe run [ids…|--all] [--json] [--junit FILE] [--timeout T] [--store]</c> and <c>probe list</c>: the platform's
/// probes run once with the dashboard's configuration, for a CI gate. Exit codes: 0 no probe failed, 1 a probe failed
/// (or was cut short by <c>--timeout</c>), 2 bad arguments or configuration.
/// </summary>
public static class ProbeCli
{
    public const int Passed = 0;
    public const int Failed = 1;
    public const int BadUsage = CommandLineInvocation.BadUsage;

    public static bool Handles(string[] args) => args is ["probe", ..];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Action<IConfigurationBuilder>? configure = null)
    {
        var ids = new Argument<string[]>("ids") { Arity = ArgumentArity.ZeroOrMore, Description = "The probes to run (Dashboard:Probes:{id}); or --all." };
        var all = new Option<bool>("--all") { Description = "Run every enabled probe." };
        var json = new Option<bool>("--json") { Description = "Write the runs as JSON (the API's run shape) instead of a table." };
        var junit = new Option<FileInfo?>("--junit") { Description = "Also write a JUnit XML report to this file (one test case a probe)." };
        var timeout = new Option<TimeSpan?>("--timeout") { Description = "Give up on runs not done after this long (hh:mm:ss); they count as failed." };
        var store = new Option<bool>("--store") { Description = "Also write the runs to the configured results store (Dashboard:DataDirectory)." };
        var run = new Command("run", "Run probes once and report each step.") { ids, all, json, junit, timeout, store };
        var listJson = new Option<bool>("--json") { Description = "Write the probes as JSON." };
        var list = new Command("list", "List the configured probes.") { listJson };
        var probe = new Command("probe", "Run or list the platform probes, without the web server or the scheduler.") { run, list };
        var root = new RootCommand("Webordinary Dashboard: the health and control room of the Webordinary platform.") { probe };

        run.SetAction((parse, cancellationToken) => WithHostAsync(error, parse.GetValue(store), configure, cancellationToken, host =>
            RunProbesAsync(host, parse.GetValue(ids) ?? [], parse.GetValue(all), parse.GetValue(json), parse.GetValue(junit), parse.GetValue(timeout),
                output, error, cancellationToken)));
        list.SetAction((parse, cancellationToken) => WithHostAsync(error, store: false, configure, cancellationToken, host =>
        {
            ProbeReport.WriteList(host, parse.GetValue(listJson), output);
            return Task.FromResult(Passed);
        }));

        return await CommandLineInvocation.InvokeAsync(root, args, output, error, "probe run --help");
    }

    private static async Task<int> WithHostAsync(TextWriter error, bool store, Action<IConfigurationBuilder>? configure, CancellationToken cancellationToken,
        Func<ProbeHost, Task<int>> action)
    {
        ProbeHost host;
        try
        {
            host = await ProbeHost.StartAsync(store, configure, cancellationToken);
        }
        catch (Exception exception) when (ConfigurationErrors.Describe(exception) is { } message)
        {
            await error.WriteLineAsync($"Configuration error:{Environment.NewLine}{message}");
            return BadUsage;
        }

        await using (host)
        {
            return await action(host);
        }
    }

    private static async Task<int> RunProbesAsync(ProbeHost host, string[] ids, bool all, bool json, FileInfo? junit, TimeSpan? timeout,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var catalog = host.Catalog;
        if (ids.FirstOrDefault(id => id.StartsWith('-')) is { } option)
        {
            await error.WriteLineAsync($"error: unknown option {option}. Try: probe run --help");
            return BadUsage;
        }

        if (all == ids.Length > 0)
        {
            await error.WriteLineAsync(all ? "error: give probe ids or --all, not both." : "error: say which probes to run (ids), or --all.");
            return BadUsage;
        }

        var unknown = ids.Where(id => !catalog.TryGet(id, out _, out _)).ToList();
        if (unknown.Count > 0)
        {
            await error.WriteLineAsync($"error: no probe {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Configured: {string.Join(", ", catalog.Definitions.Select(d => d.Id))}.");
            return BadUsage;
        }

        if (timeout is { } limit && limit <= TimeSpan.Zero)
        {
            await error.WriteLineAsync("error: --timeout must be positive, e.g. 00:05:00.");
            return BadUsage;
        }

        var chosen = all ? [.. catalog.Definitions.Where(d => d.Settings.Enabled)] : ids.Select(id => catalog.Definitions.First(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase))).ToList();
        using var giveUp = timeout is { } span ? new CancellationTokenSource(span) : new CancellationTokenSource();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, giveUp.Token);
        var runner = host.Services.GetRequiredService<Probes.Running.ProbeRunner>();
        var started = DateTimeOffset.UtcNow;
        var runs = await Task.WhenAll(chosen.Select(definition =>
        {
            catalog.TryGet(definition.Id, out _, out var probe);
            return runner.RunAsync(probe, definition.Settings, ProbeRun.NewId(), RunTrigger.Cli, stopping.Token);
        }));

        var report = new ProbeReport(runs, host.IsSandbox ? "Sandbox" : "Aws", started, DateTimeOffset.UtcNow, giveUp.IsCancellationRequested ? timeout : null);
        if (json)
        {
            report.WriteJson(output);
        }
        else
        {
            report.WriteTable(output);
        }

        if (junit is not null)
        {
            report.WriteJUnit(junit.FullName);
        }

        return report.AnyFailed ? Failed : Passed;
    }
}
