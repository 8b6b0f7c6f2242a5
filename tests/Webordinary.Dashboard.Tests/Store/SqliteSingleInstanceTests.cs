using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Webordinary.Dashboard.Cli;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Storage.Sqlite;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>
/// One dashboard per SQLite store, as real processes: a second one on the same data directory is refused (exit 2, one
/// line) instead of running everything twice; the lock is the OS's, so a holder killed with SIGKILL leaves nothing
/// that stops the next start; the command line's <c>--store</c> still adds runs while the dashboard runs.
/// </summary>
public sealed class SqliteSingleInstanceTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("single-instance-").FullName;

    private string DataDirectory => Path.Combine(_directory, "data");

    [Fact]
    public async Task A_second_dashboard_on_the_same_store_exits_2_naming_the_holder_while_the_first_serves_and_the_cli_still_stores()
    {
        await using var first = DashboardProcess.Start(_directory, new() { ["Dashboard:DataDirectory"] = DataDirectory });
        await first.WaitUntilAliveAsync();

        await using var second = DashboardProcess.Start(_directory, new() { ["Dashboard:DataDirectory"] = DataDirectory });
        var exit = await second.WaitForExitAsync();

        Assert.True(exit == 2, $"exit {exit}: {second.Output}");
        var line = Assert.Single(second.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("The dashboard did not start:", line);
        Assert.Contains("Dashboard:DataDirectory", line);
        Assert.Contains(Path.Combine(DataDirectory, SqliteInstanceLock.FileName), line);
        Assert.Contains($"another dashboard process (pid {first.Id})", line);
        Assert.Contains("use Store:Provider=Postgres to run several instances", line);
        Assert.DoesNotContain("   at ", second.Output, StringComparison.Ordinal);
        // Refused before Kestrel listened or any service started.
        Assert.DoesNotContain("Now listening on", second.Output, StringComparison.Ordinal);

        // The command line does not take the lock: its runs go to the store the running dashboard holds.
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        settings["Dashboard:DataDirectory"] = DataDirectory;
        var (cliOutput, cliError) = (new StringWriter(), new StringWriter());
        var cliExit = await ProbeCli.RunAsync(["probe", "run", "ecs", "--store"], cliOutput, cliError, configuration =>
        {
            configuration.Sources.Clear();
            configuration.AddInMemoryCollection(settings);
        });
        Assert.True(cliExit == ProbeCli.Passed, $"exit {cliExit}: {cliOutput}{cliError}");
        await using (var database = new SqliteDatabase(Path.Combine(DataDirectory, SqliteDatabase.FileName), NullLogger<SqliteDatabase>.Instance))
        {
            var runs = await new SqliteResultsStore(database, TimeProvider.System, NullLogger<SqliteResultsStore>.Instance)
                .GetRunsAsync("ecs", 10, null, CancellationToken.None);
            Assert.Equal(RunTrigger.Cli, Assert.Single(runs).Trigger);
        }

        StoreHostingExtensions.ReleaseFiles();
        Assert.Equal(HttpStatusCode.OK, await first.GetAliveAsync());
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task After_the_holder_is_killed_with_SIGKILL_the_next_dashboard_starts_on_the_same_store()
    {
        await using (var killed = DashboardProcess.Start(_directory, new() { ["Dashboard:DataDirectory"] = DataDirectory }))
        {
            await killed.WaitUntilAliveAsync();
            // Process.Kill is SIGKILL on Unix: no shutdown code runs, the lock file stays where it was.
            killed.Kill();
            await killed.WaitForExitAsync();
        }

        Assert.True(File.Exists(Path.Combine(DataDirectory, SqliteInstanceLock.FileName)));

        await using var next = DashboardProcess.Start(_directory, new() { ["Dashboard:DataDirectory"] = DataDirectory });
        await next.WaitUntilAliveAsync();
        Assert.Equal(HttpStatusCode.OK, await next.GetAliveAsync());
    }
}
