using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>The published dashboard as a process of its own, on loopback port 0, its output kept.</summary>
public sealed partial class DashboardProcess : IAsyncDisposable
{
    /// <summary>Time for a start on a busy 2-core machine.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DashboardProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output + Error;
            }
        }
    }

    /// <param name="settings">Configuration keys (<c>Section:Key</c>), given as environment variables.</param>
    public static DashboardProcess Start(string workingDirectory, Dictionary<string, string?> settings)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(DashboardHostingExtensions).Assembly.Location, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = workingDirectory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var dashboard = new DashboardProcess(new Process { StartInfo = start });
        dashboard._process.OutputDataReceived += (_, e) => dashboard.OnOutput(e.Data);
        dashboard._process.ErrorDataReceived += (_, e) =>
        {
            lock (dashboard._error)
            {
                dashboard._error.AppendLine(e.Data);
            }
        };
        dashboard._process.Start();
        dashboard._process.BeginOutputReadLine();
        dashboard._process.BeginErrorReadLine();
        return dashboard;
    }

    private void OnOutput(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line is not null && ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    /// <summary>Until Kestrel listens and <c>/alive</c> answers 200; the process's output if it ends first.</summary>
    public async Task WaitUntilAliveAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited).WaitAsync(StartTimeout);
        Assert.True(first == _listening.Task, $"ended before listening, exit {(_process.HasExited ? _process.ExitCode : null)}: {Output}");
        Assert.Equal(HttpStatusCode.OK, await GetAliveAsync());
    }

    public async Task<HttpStatusCode> GetAliveAsync()
    {
        using var http = new HttpClient { BaseAddress = await _listening.Task, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(HostGuard.AlivePath);
        return response.StatusCode;
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(StartTimeout);
        // The asynchronous readers have had their last line once WaitForExit (without a timeout) returns.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM, what ECS sends a task it stops: the host shuts down gracefully.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.True(kill.ExitCode == 0, $"kill -TERM {_process.Id} failed");
    }

    public Uri Address => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException("Not listening yet.");


    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
