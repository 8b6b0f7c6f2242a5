using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.Extensions.Configuration;
using Webordinary.Dashboard.Cli;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Cli;

/// <summary><c>probe run</c> / <c>probe list</c>: the probes once, with the dashboard's configuration, exit codes for a CI gate.</summary>
public sealed class ProbeCliTests(Aws.MotoFixture moto) : IClassFixture<Aws.MotoFixture>
{
    private static Dictionary<string, string?> SandboxSettings()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "table", DynamoDbTableProbe.KindName);
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName);
        settings["Dashboard:DataDirectory"] = Directory.CreateTempSubdirectory("cli-test-").FullName;
        return settings;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await ProbeCli.RunAsync(args, output, error, configuration =>
        {
            configuration.Sources.Clear();
            configuration.AddInMemoryCollection(settings);
        });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task All_passing_on_the_sandbox_is_exit_0_with_each_probe_and_its_steps()
    {
        var (exit, output, _) = await RunAsync(SandboxSettings(), "probe", "run", "--all");

        Assert.Equal(ProbeCli.Passed, exit);
        Assert.Contains("Passed!  - Failed: 0, Passed: 3", output);
        Assert.Contains("ok   hermes", output);
        Assert.Contains("✓ GET /hermes/health via ALB", output);
        Assert.Contains("✓ Describe table", output);
    }

    [Fact]
    public async Task A_fault_from_the_configuration_fails_the_gate_with_exit_1_naming_the_step_and_the_junit_report_says_so()
    {
        var settings = SandboxSettings();
        settings["Sandbox:Faults:dynamodb:Mode"] = "down";
        var junit = Path.Combine(Directory.CreateTempSubdirectory("cli-junit-").FullName, "reports", "probes.xml");

        var (exit, output, _) = await RunAsync(settings, "probe", "run", "--all", "--junit", junit);

        Assert.Equal(ProbeCli.Failed, exit);
        Assert.Contains("FAIL table", output);
        Assert.Contains("x Describe table", output);
        Assert.Contains("ServiceUnavailable", output);
        var suite = XDocument.Load(junit).Root!.Element("testsuite")!;
        Assert.Equal("3", suite.Attribute("tests")!.Value);
        Assert.Equal("1", suite.Attribute("failures")!.Value);
        var cases = suite.Elements("testcase").ToDictionary(c => c.Attribute("name")!.Value);
        Assert.Equal(["ecs", "hermes", "table"], cases.Keys.Order());
        Assert.Contains("ServiceUnavailable", cases["table"].Element("failure")!.Attribute("message")!.Value);
        Assert.Equal("probes.DynamoDbTable", cases["table"].Attribute("classname")!.Value);
        Assert.Null(cases["ecs"].Element("failure"));
    }

    [Theory]
    [InlineData(new[] { "probe", "run", "nope" }, "no probe 'nope'")]
    [InlineData(new[] { "probe", "run" }, "--all")]
    [InlineData(new[] { "probe", "run", "ecs", "--all" }, "not both")]
    [InlineData(new[] { "probe", "run", "--all", "--timeout", "soon" }, "soon")]
    [InlineData(new[] { "probe", "run", "--all", "--colour" }, "--colour")]
    [InlineData(new[] { "probe", "fly" }, "fly")]
    public async Task Bad_arguments_are_exit_2_with_a_message(string[] args, string expected)
    {
        var (exit, _, error) = await RunAsync(SandboxSettings(), args);

        Assert.Equal(ProbeCli.BadUsage, exit);
        Assert.Contains(expected, error);
    }

    [Fact]
    public async Task Bad_configuration_is_exit_2_naming_the_key()
    {
        var settings = SandboxSettings();
        settings["Dashboard:Probes:ecs:Interval"] = "every minute";

        var (exit, _, error) = await RunAsync(settings, "probe", "run", "--all");

        Assert.Equal(ProbeCli.BadUsage, exit);
        Assert.Contains("Dashboard:Probes:ecs", error);
    }

    [Fact]
    public async Task Json_is_the_apis_run_shape_and_list_shows_the_topology()
    {
        var (exit, output, _) = await RunAsync(SandboxSettings(), "probe", "run", "ecs", "hermes", "--json");
        var (listExit, list, _) = await RunAsync(SandboxSettings(), "probe", "list", "--json");

        Assert.Equal(ProbeCli.Passed, exit);
        var report = JsonSerializer.Deserialize<JsonElement>(output);
        Assert.True(report.GetProperty("passed").GetBoolean());
        var runs = report.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["ecs", "hermes"], runs.Select(r => r.GetProperty("probeId").GetString()).Order());
        Assert.All(runs, r => Assert.Equal(("Pass", "Cli"), (r.GetProperty("outcome").GetString(), r.GetProperty("trigger").GetString())));
        Assert.Equal(ProbeCli.Passed, listExit);
        var hermes = JsonSerializer.Deserialize<JsonElement>(list).EnumerateArray().Single(p => p.GetProperty("id").GetString() == "hermes");
        Assert.Equal("Hermes", hermes.GetProperty("component").GetString());
    }

    [Fact]
    public async Task Store_writes_the_runs_to_the_configured_store_and_without_it_nothing_is_written()
    {
        var settings = SandboxSettings();
        var database = Path.Combine(settings["Dashboard:DataDirectory"]!, "dashboard.db");

        await RunAsync(settings, "probe", "run", "ecs");
        Assert.False(File.Exists(database));

        var (exit, _, _) = await RunAsync(settings, "probe", "run", "ecs", "--store");
        Assert.Equal(ProbeCli.Passed, exit);
        await using var host = await DashboardHost.StartAsync(settings);
        var stored = await host.Get<Dashboard.Storage.IResultsStore>().GetRunsAsync("ecs", 10, null, CancellationToken.None);
        Assert.Equal(Dashboard.Probes.Model.RunTrigger.Cli, Assert.Single(stored).Trigger);
    }

    [Fact]
    public async Task Runs_against_real_aws_apis_on_moto()
    {
        var settings = moto.Moto.DashboardSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "table", DynamoDbTableProbe.KindName);
        DashboardHost.AddProbe(settings, "efs", EfsFileSystemProbe.KindName);
        settings["Dashboard:DataDirectory"] = Directory.CreateTempSubdirectory("cli-aws-").FullName;

        var (exit, output, error) = await RunAsync(settings, "probe", "run", "table", "efs", "ecs");

        // moto runs no tasks: the ECS probe truthfully fails (0 running of 1), the others pass.
        Assert.True(exit == ProbeCli.Failed, output + error);
        Assert.Contains("(Aws)", output);
        Assert.Contains("ok   table", output);
        Assert.Contains("ok   efs", output);
        Assert.Contains("FAIL ecs", output);
    }

    [Fact]
    public async Task The_published_executable_exits_with_the_gates_codes()
    {
        var dll = typeof(ProbeCli).Assembly.Location;
        var directory = Directory.CreateTempSubdirectory("cli-process-").FullName;
        foreach (var (args, expected) in new[] { (new[] { "probe", "run", "nope" }, ProbeCli.BadUsage), (new[] { "probe", "list" }, ProbeCli.Passed) })
        {
            var start = new ProcessStartInfo("dotnet", [dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
            start.Environment["Dashboard__DataDirectory"] = directory;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == expected, $"{string.Join(' ', args)}: exit {process.ExitCode}: {await output}{await error}");
        }
    }
}
