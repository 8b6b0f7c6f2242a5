using System.Diagnostics;
using System.Text.Json;

namespace Webordinary.Dashboard.Testing;

/// <summary>What tests/moto/seed.py created in moto.</summary>
public sealed record MotoSeed(
    string Region, string Cluster, string Service, string[] Services, string TargetGroupArn, string TargetGroupName,
    string LoadBalancerArn, string Table, string FileSystemId, string[] MountTargets, string VpcId, string AlbSecurityGroup,
    string ServiceSecurityGroup);

/// <summary>
/// A real AWS emulator for the Aws-mode tests: starts <c>moto_server</c> on a free loopback port, seeds it with the
/// Webordinary platform (tests/moto/seed.py), and kills it on dispose. Dummy credentials, no instance metadata.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    public const string AccessKey = "testing-access-key";
    public const string SecretKey = "testing-secret-key-never-shown";

    private readonly Process _process;
    private int _workers = 12;

    private MotoServer(Process process, Uri endpoint, MotoSeed seed)
    {
        _process = process;
        Endpoint = endpoint;
        Seed = seed;
    }

    public Uri Endpoint { get; }

    public MotoSeed Seed { get; private set; }

    /// <param name="workers">Services besides Hermes (12 by default: more than one page of ListServices).</param>
    public static async Task<MotoServer> StartAsync(int workers = 12)
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var port = DashboardHost.FreePort();
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("moto_server", ["-H", "127.0.0.1", "-p", port.ToString()])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("moto_server is not installed: `pip install 'moto[server]'` (tests/run.sh does this).", exception);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endpoint = new Uri($"http://127.0.0.1:{port}/");
        try
        {
            await WaitUntilUpAsync(endpoint, process);
            var server = new MotoServer(process, endpoint, null!) { _workers = workers };
            server.Seed = await SeedAsync(endpoint, workers);
            return server;
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Wipes moto and seeds it again, for a test that changed what others rely on.</summary>
    public async Task ResetAsync()
    {
        using var http = new HttpClient();
        (await http.PostAsync(new Uri(Endpoint, "moto-api/reset"), null)).EnsureSuccessStatusCode();
        Seed = await SeedAsync(Endpoint, _workers);
    }

    /// <summary>Settings that point the dashboard's AWS clients at this moto.</summary>
    public Dictionary<string, string?> AwsSettings() => new()
    {
        ["Aws:Region"] = Seed.Region,
        ["Aws:ServiceUrl"] = Endpoint.ToString(),
        ["Aws:Cluster"] = Seed.Cluster,
        ["Aws:Service"] = Seed.Service,
        ["Aws:TargetGroup"] = Seed.TargetGroupName,
        ["Aws:SessionTable"] = Seed.Table,
        ["Aws:FileSystemId"] = Seed.FileSystemId,
        ["Aws:CallTimeout"] = "00:00:10",
    };

    /// <summary>
    /// The whole dashboard in Aws mode against this moto (from <see cref="DashboardHost.BaseSettings"/>), with the ALB
    /// at <paramref name="albUrl"/> (nothing answers at the default), and every AWS call through <paramref name="through"/> when given (a proxy).
    /// </summary>
    public Dictionary<string, string?> DashboardSettings(string albUrl = "http://127.0.0.1:9/", Uri? through = null)
    {
        var settings = DashboardHost.BaseSettings();
        settings["Platform:Mode"] = "Aws";
        foreach (var (key, value) in AwsSettings())
        {
            settings[key] = value;
        }

        settings["Aws:AlbUrl"] = albUrl;
        if (through is not null)
        {
            settings["Aws:ServiceUrl"] = through.ToString();
        }

        return settings;
    }

    /// <summary>Dummy credentials in the environment, as the default chain reads them.</summary>
    public static void UseEnvironmentCredentials()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretKey);
    }

    private static async Task WaitUntilUpAsync(Uri endpoint, Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"moto_server exited with code {process.ExitCode} before it answered.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(endpoint, "moto-api/"));
                return;
            }
            catch (HttpRequestException)
            {
                await poll.WaitForNextTickAsync();
            }
            catch (TaskCanceledException)
            {
                await poll.WaitForNextTickAsync();
            }
        }

        throw new TimeoutException($"moto_server did not answer on {endpoint} within 30 s.");
    }

    private static async Task<MotoSeed> SeedAsync(Uri endpoint, int workers)
    {
        var script = Path.Combine(RepositoryRoot(), "tests", "moto", "seed.py");
        using var seed = Process.Start(new ProcessStartInfo("python3", [script, endpoint.ToString().TrimEnd('/'), workers.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = seed.StandardOutput.ReadToEndAsync();
        var errors = seed.StandardError.ReadToEndAsync();
        await seed.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        if (seed.ExitCode != 0)
        {
            throw new InvalidOperationException($"Seeding moto failed ({seed.ExitCode}): {await errors}");
        }

        return JsonSerializer.Deserialize<MotoSeed>(await output, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Webordinary.Dashboard.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Webordinary.Dashboard.sln not found above the test directory.");
    }

    public ValueTask DisposeAsync() => ChildProcesses.StopAsync(_process);
}
