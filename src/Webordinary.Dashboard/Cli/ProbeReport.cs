using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml.Linq;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Cli;

/// <summary>
/// What a command-line run found, as a table (dotnet test style), JSON (the API's run shape) or JUnit XML. A Fail — or
/// a run cut short by the command's timeout (Interrupted) — fails the gate; Parked and Maintenance are skipped (the
/// service is deliberately down); Pass and Degraded pass.
/// </summary>
public sealed class ProbeReport(IReadOnlyList<ProbeRun> runs, string platform, DateTimeOffset started, DateTimeOffset ended, TimeSpan? timedOutAfter)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public bool AnyFailed => runs.Any(IsFailure);

    public static bool IsFailure(ProbeRun run) => run.Outcome is ProbeOutcome.Fail or ProbeOutcome.Interrupted;

    public static bool IsSkipped(ProbeRun run) => run.Outcome is ProbeOutcome.Parked or ProbeOutcome.Maintenance;

    public void WriteTable(TextWriter output)
    {
        output.WriteLine($"Webordinary platform probes ({platform}): {runs.Count} run{(timedOutAfter is { } t ? $", cut short after {t}" : "")}");
        output.WriteLine();
        foreach (var run in runs)
        {
            var mark = IsFailure(run) ? "FAIL" : IsSkipped(run) ? "skip" : "ok  ";
            output.WriteLine($"  {mark} {run.ProbeId,-28} {run.Outcome,-11} {Ms(run.DurationMs),9}  {run.Message}");
            foreach (var step in run.Steps)
            {
                var stepMark = step.Outcome switch { StepOutcome.Fail => "x", StepOutcome.Degraded => "~", _ => "✓" };
                var what = step.Failure is { } failure ? ProbeRunner.FormatFailure(failure) : step.Detail;
                output.WriteLine($"         {stepMark} {step.Name,-40} {Ms(step.DurationMs),9}  {what}");
            }
        }

        output.WriteLine();
        var failed = runs.Count(IsFailure);
        var skipped = runs.Count(IsSkipped);
        output.WriteLine($"{(failed > 0 ? "Failed!" : "Passed!")}  - Failed: {failed}, Passed: {runs.Count - failed - skipped}, Skipped: {skipped}, Total: {runs.Count}, Duration: {(ended - started).TotalSeconds:0.0} s");
    }

    public void WriteJson(TextWriter output) => output.WriteLine(JsonSerializer.Serialize(new
    {
        platform,
        startedAt = started,
        endedAt = ended,
        passed = !AnyFailed,
        failed = runs.Count(IsFailure),
        skipped = runs.Count(IsSkipped),
        runs = runs.Select(r => r.ToDto()),
    }, Json));

    /// <summary>One test suite; a test case a probe (its kind as the class), its steps in the case's output.</summary>
    public void WriteJUnit(string path)
    {
        static string Seconds(double? ms) => ((ms ?? 0) / 1000).ToString("0.###", CultureInfo.InvariantCulture);
        var cases = runs.Select(run =>
        {
            var steps = string.Join(Environment.NewLine, run.Steps.Select(s =>
                $"{s.Outcome} {s.Name} ({s.DurationMs:0} ms): {(s.Failure is { } f ? ProbeRunner.FormatFailure(f) : s.Detail)}"));
            var testCase = new XElement("testcase", new XAttribute("classname", $"probes.{run.ProbeKind}"), new XAttribute("name", run.ProbeId),
                new XAttribute("time", Seconds(run.DurationMs)));
            if (IsFailure(run))
            {
                testCase.Add(new XElement("failure", new XAttribute("message", run.Message ?? run.Outcome.ToString()), new XAttribute("type", run.Outcome.ToString()), steps));
            }
            else if (IsSkipped(run))
            {
                testCase.Add(new XElement("skipped", new XAttribute("message", $"{run.Outcome}: {run.Message}")));
            }

            testCase.Add(new XElement("system-out", $"{run.Outcome}: {run.Message}{Environment.NewLine}{steps}"));
            return testCase;
        }).ToList();
        var suite = new XElement("testsuite",
            new XAttribute("name", $"Webordinary platform probes ({platform})"),
            new XAttribute("tests", runs.Count),
            new XAttribute("failures", runs.Count(IsFailure)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", runs.Count(IsSkipped)),
            new XAttribute("time", Seconds((ended - started).TotalMilliseconds)),
            new XAttribute("timestamp", started.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)),
            cases);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites", suite)).Save(path);
    }

    public static void WriteList(ProbeHost host, bool json, TextWriter output)
    {
        var catalog = host.Catalog;
        var probes = catalog.Definitions.Select(d => new
        {
            id = d.Id,
            kind = d.Kind,
            schedule = d.Settings.Describe(),
            enabled = d.Settings.Enabled,
            component = catalog.Topology.ComponentOf(d.Id)?.ToString(),
            dependsOn = catalog.Topology.DependsOn(d.Id),
        }).ToList();
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(probes, Json));
            return;
        }

        output.WriteLine($"{"Probe",-28} {"Kind",-20} {"Schedule",-16} {"Component",-11} Depends on");
        foreach (var probe in probes)
        {
            output.WriteLine($"{probe.id,-28} {probe.kind,-20} {(probe.enabled ? probe.schedule : "disabled"),-16} {probe.component,-11} {string.Join(", ", probe.dependsOn)}");
        }
    }

    private static string Ms(double? ms) => ms is { } value ? $"{value:0} ms" : "–";
}
