using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Hubs;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>A client process's garbage collections (gen0/1/2), GC pause time and CPU time so far.</summary>
public readonly record struct ClientStats(int Gen0, int Gen1, int Gen2, double PausedMs, double CpuMs);

/// <summary>
/// The push benchmark's .NET hub clients in a process of their own (this executable with <c>--hub-clients URL</c>),
/// as real clients are never in the dashboard's process: their parsing and garbage collections then cost the same
/// two cores but no longer stop the server's threads. The parent talks to it over stdin/stdout, one line each way:
/// <c>connect N</c> → <c>connected N</c>; every run that all clients have → <c>arrived RUNID T1 … TN</c> (Stopwatch
/// timestamps: CLOCK_MONOTONIC, the same clock in both processes); <c>stats</c> → <c>stats GEN0 GEN1 GEN2 PAUSEMS CPUMS</c>.
/// </summary>
public sealed class HubClientsProcess : IAsyncDisposable
{
    public const string Option = "--hub-clients";
    public const string MessagePackOption = "--messagepack";

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task _reading;

    private HubClientsProcess(Process process)
    {
        _process = process;
        _reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                await _lines.Writer.WriteAsync(line);
            }

            _lines.Writer.Complete();
        });
    }

    public static HubClientsProcess Start(Uri hub, bool messagePack)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        // Under `dotnet X.dll` the process is the muxer: the child needs the assembly too.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(HubClientsProcess).Assembly.Location);
        }

        start.ArgumentList.Add(Option);
        start.ArgumentList.Add(hub.ToString());
        if (messagePack)
        {
            start.ArgumentList.Add(MessagePackOption);
        }

        return new HubClientsProcess(Process.Start(start)!);
    }

    /// <summary>Connects clients until <paramref name="total"/> are connected.</summary>
    public async Task ConnectAsync(int total)
    {
        await SendAsync($"connect {total}");
        await ReplyAsync("connected", TimeSpan.FromMinutes(2));
    }

    /// <summary>When each client had <paramref name="runId"/>'s RunCompleted; throws TimeoutException if not all had it in time.</summary>
    public async Task<long[]> ArrivalsAsync(string runId, TimeSpan timeout)
    {
        var line = await ReplyAsync($"arrived {runId}", timeout);
        return [.. line.Split(' ').Skip(2).Select(t => long.Parse(t, CultureInfo.InvariantCulture))];
    }

    /// <summary>The client process's garbage collections (gen0/1/2), GC pause time and CPU time so far.</summary>
    public async Task<ClientStats> StatsAsync()
    {
        await SendAsync("stats");
        var fields = (await ReplyAsync("stats", TimeSpan.FromSeconds(10))).Split(' ');
        return new ClientStats(int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture),
            int.Parse(fields[3], CultureInfo.InvariantCulture), double.Parse(fields[4], CultureInfo.InvariantCulture), double.Parse(fields[5], CultureInfo.InvariantCulture));
    }

    private async Task SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    private async Task<string> ReplyAsync(string prefix, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(limit.Token);
                if (line.StartsWith(prefix + " ", StringComparison.Ordinal) || line == prefix)
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the hub client process did not answer '{prefix}' within {timeout.TotalSeconds:0} s");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"the hub client process exited (code {(_process.HasExited ? _process.ExitCode : -1)}) before '{prefix}'");
        }
    }

    public async ValueTask DisposeAsync()
    {
        // End of input: the child closes its connections and exits.
        _process.StandardInput.Close();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _reading;
        _process.Dispose();
    }

    /// <summary>The child: <paramref name="hub"/>'s clients, driven by the parent's lines on stdin.</summary>
    public static async Task<int> RunAsync(Uri hub, bool messagePack)
    {
        const int connectBatch = 50;
        var clients = new List<HubConnection>();
        var arrivals = new ConcurrentDictionary<string, RunArrivals>();
        var output = new Lock();
        var expected = 0;

        void Reply(string line)
        {
            lock (output)
            {
                Console.Out.WriteLine(line);
                Console.Out.Flush();
            }
        }

        try
        {
            while (await Console.In.ReadLineAsync() is { } command)
            {
                var parts = command.Split(' ');
                switch (parts[0])
                {
                    case "connect":
                        var total = int.Parse(parts[1], CultureInfo.InvariantCulture);
                        while (clients.Count < total)
                        {
                            var batch = Enumerable.Range(0, Math.Min(connectBatch, total - clients.Count)).Select(_ =>
                            {
                                var connection = StatusHubClients.Create(hub, messagePack);
                                // A real client handles every message; only RunCompleted is timed, first thing in its handler.
                                connection.On<RunDto>(nameof(IStatusHubClient.RunStarted), _ => { });
                                connection.On<RunDto>(nameof(IStatusHubClient.RunCompleted), run =>
                                {
                                    var at = Stopwatch.GetTimestamp();
                                    var pending = arrivals.GetOrAdd(run.Id, _ => new RunArrivals(Volatile.Read(ref expected)));
                                    if (pending.Record(run.Id, at))
                                    {
                                        Reply($"arrived {run.Id} {string.Join(" ", pending.Arrivals)}");
                                        arrivals.TryRemove(run.Id, out var _);
                                    }
                                });
                                return connection;
                            }).ToList();
                            clients.AddRange(batch);
                            await Task.WhenAll(batch.Select(c => c.StartAsync()));
                        }

                        Volatile.Write(ref expected, clients.Count);
                        Reply($"connected {clients.Count}");
                        break;
                    case "stats":
                        Reply(string.Create(CultureInfo.InvariantCulture,
                            $"stats {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {GC.GetTotalPauseDuration().TotalMilliseconds:0} {Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds:0}"));
                        break;
                }
            }
        }
        finally
        {
            foreach (var batch in clients.Chunk(connectBatch))
            {
                await Task.WhenAll(batch.Select(c => c.DisposeAsync().AsTask()));
            }
        }

        return 0;
    }
}
