using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>
/// The store's health is the dashboard's: a full disk (a small tmpfs, filled up) makes /health Unhealthy naming the
/// file and the error, the overview says so, Run now, a new maintenance window and a new API key answer 503, and the runs made meanwhile are written once there is
/// room again. Mounting needs root, as the test machines and CI run.
/// </summary>
public sealed class StoreFailureTests : IAsyncLifetime
{
    private readonly string _mount = Directory.CreateTempSubdirectory("store-full-").FullName;

    public async Task InitializeAsync() => await RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", _mount);

    public async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        await RunAsync("umount", "-l", _mount);
        Directory.Delete(_mount, recursive: true);
    }

    [Fact]
    public async Task A_full_disk_is_unhealthy_bannered_and_503_and_the_runs_made_meanwhile_are_written_when_there_is_room_again()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Dashboard:DataDirectory"] = _mount;
        DashboardHost.AddProbe(settings, "hermes", "HermesHealth", interval: "00:00:01");
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var database = host.Get<SqliteDatabase>();
        using var http = host.CreateClient();
        await recorder.WaitForCompletionAsync("hermes");
        Assert.Equal("Healthy", await http.GetStringAsync("health"));

        var filler = Path.Combine(_mount, "filler");
        Fill(filler);
        var failing = await recorder.WaitForAsync<RunCompletedEvent>(_ => !database.Health.Healthy, TimeSpan.FromSeconds(30));
        // Runs go on while nothing can be stored: two more, kept in memory.
        var during = new List<ProbeRun>();
        for (var i = 0; i < 2; i++)
        {
            during.Add((await recorder.WaitForCompletionAsync("hermes", match: e => e.Run.StartedAt > (during.LastOrDefault() ?? failing.Run).StartedAt)).Run);
        }

        var health = await http.GetAsync("health");
        var healthText = await health.Content.ReadAsStringAsync();
        var runNow = await http.PostAsync("api/probes/hermes/run", null);
        var maintenance = await http.PostAsJsonAsync("api/maintenance", new { reason = "patching", duration = "01:00:00" });
        var key = await http.PostAsJsonAsync("api/keys", new { name = "while-full", role = "Viewer" });
        var overview = await http.GetStringAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.StartsWith("Unhealthy", healthText);
        Assert.Contains(database.DatabasePath, healthText);
        Assert.Contains("full", healthText, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, runNow.StatusCode);
        foreach (var refused in new[] { maintenance, key })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Results are not being stored", await refused.Content.ReadAsStringAsync());
        }

        Assert.Contains("Results are not being stored", overview);
        Assert.True(database.Health.Pending > 0);

        File.Delete(filler);
        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        database.HealthChanged += h =>
        {
            if (h.Healthy)
            {
                recovered.TrySetResult();
            }
        };
        if (!database.Health.Healthy)
        {
            await recovered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        foreach (var run in during)
        {
            var stored = await host.Get<IResultsStore>().GetRunAsync(run.Id, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal((run.Outcome, run.Steps.Count), (stored!.Outcome, stored.Steps.Count));
        }

        Assert.Equal(0, database.Health.Pending);
        Assert.Equal("Healthy", await http.GetStringAsync("health"));
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("api/probes/hermes/run", null)).StatusCode);
    }

    /// <summary>Writes zeros until the file system says it is full.</summary>
    private static void Fill(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
            // No space left on device: what the test wanted.
        }
    }

    private static async Task RunAsync(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error} — this test mounts a small tmpfs and needs root.");
        }
    }
}
