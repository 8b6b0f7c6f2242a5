using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>A client of the public hub <c>/hubs/status</c>, as an outside consumer would build it.</summary>
public static class StatusHubClients
{
    public static HubConnection Create(DashboardHost host) => Create(new Uri(host.BaseAddress, StatusHub.Path.TrimStart('/')));

    /// <summary>WebSockets straight away (no negotiate round trip), so a thousand clients connect quickly; JSON or MessagePack.</summary>
    public static HubConnection Create(Uri hub, bool messagePack = false)
    {
        var builder = new HubConnectionBuilder().WithUrl(hub, options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            options.SkipNegotiation = true;
        });
        return (messagePack
            ? builder.AddMessagePackProtocol()
            : builder.AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))).Build();
    }
}

/// <summary>
/// Headless Debian Chromium through Playwright, launched as the browser tests do: the machine's /usr/bin/chromium,
/// never a downloaded browser, with flags that keep it off the network.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<Chromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: apt-get install chromium (tests/run.sh does).");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        string[] offline = ["--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", .. offline],
        });
        return new Chromium(playwright, browser);
    }

    /// <summary>A page on the dashboard's overview with every probe row rendered and the Blazor circuit up.</summary>
    public static async Task<IPage> OpenOverviewAsync(IBrowserContext context, int rows)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.Locator("tr.probe-row").Nth(rows - 1).WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        // The rows are prerendered; live updates start once the circuit has taken the page over.
        await page.Locator(DashboardHost.InteractiveSelector).WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}

/// <summary>
/// A hub client at the protocol level: a WebSocket speaking SignalR's JSON hub protocol (handshake, records ended
/// by 0x1E, pings) that stamps each <c>RunCompleted</c> record as it arrives and reads its run id. It stands for a
/// client on its own machine: the server does the same work for it as for a <c>HubConnection</c>, but a thousand
/// of them do not also run a thousand .NET clients' parsing and dispatch on the benchmark's two cores.
/// </summary>
public sealed class WireHubClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    private readonly System.Net.WebSockets.ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private Task _loops = Task.CompletedTask;

    /// <summary>Connected and handshaken; <paramref name="onRunCompleted"/> gets (run id, Stopwatch timestamp of arrival).</summary>
    public static async Task<WireHubClient> ConnectAsync(Uri hub, Action<string, long> onRunCompleted, CancellationToken cancellationToken)
    {
        var client = new WireHubClient();
        await client._socket.ConnectAsync(new UriBuilder(hub) { Scheme = hub.Scheme == "https" ? "wss" : "ws" }.Uri, cancellationToken);
        await client.SendAsync("{\"protocol\":\"json\",\"version\":1}" + RecordSeparator, cancellationToken);
        client._loops = Task.WhenAll(client.ReceiveAsync(onRunCompleted), client.PingAsync());
        await client._handshake.Task.WaitAsync(cancellationToken);
        return client;
    }

    private async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>The server drops a client it has not heard from in 30 s.</summary>
    private async Task PingAsync()
    {
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await SendAsync("{\"type\":6}" + RecordSeparator, _stop.Token);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
        }
    }

    /// <remarks>
    /// Reads records straight from the received bytes (no strings but the run id): the clients share the server's
    /// process, and their garbage would otherwise stop the server's threads in the GC pauses it causes.
    /// </remarks>
    private async Task ReceiveAsync(Action<string, long> onRunCompleted)
    {
        var buffer = new byte[4 * 1024];
        var message = new System.IO.MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), _stop.Token);
                if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    return;
                }

                var arrivedAt = System.Diagnostics.Stopwatch.GetTimestamp();
                ReadOnlySpan<byte> received;
                if (result.EndOfMessage && message.Length == 0)
                {
                    received = buffer.AsSpan(0, result.Count);
                }
                else
                {
                    message.Write(buffer, 0, result.Count);
                    if (!result.EndOfMessage)
                    {
                        continue;
                    }

                    received = message.GetBuffer().AsSpan(0, (int)message.Length);
                }

                foreach (var range in received.Split((byte)RecordSeparator))
                {
                    if (received[range] is { Length: > 0 } record)
                    {
                        ReadRecord(record, arrivedAt, onRunCompleted);
                    }
                }

                message.SetLength(0);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
        }
    }

    /// <summary>The handshake reply has no "type"; a RunCompleted invocation has "target" and the run in "arguments"[0].</summary>
    private void ReadRecord(ReadOnlySpan<byte> record, long arrivedAt, Action<string, long> onRunCompleted)
    {
        var reader = new System.Text.Json.Utf8JsonReader(record);
        var (hasType, isRunCompleted, depth) = (false, false, 0);
        string? runId = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case System.Text.Json.JsonTokenType.StartObject or System.Text.Json.JsonTokenType.StartArray:
                    depth++;
                    break;
                case System.Text.Json.JsonTokenType.EndObject or System.Text.Json.JsonTokenType.EndArray:
                    depth--;
                    break;
                case System.Text.Json.JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("type"u8):
                    hasType = true;
                    break;
                case System.Text.Json.JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("target"u8):
                    reader.Read();
                    isRunCompleted = reader.ValueTextEquals(nameof(IStatusHubClient.RunCompleted));
                    break;
                // "arguments": [ { "id": ... } ]: the run object is at depth 3 inside the record.
                case System.Text.Json.JsonTokenType.PropertyName when depth == 3 && isRunCompleted && runId is null && reader.ValueTextEquals("id"u8):
                    reader.Read();
                    runId = reader.GetString();
                    break;
            }
        }

        if (!hasType)
        {
            _handshake.TrySetResult();
        }
        else if (isRunCompleted && runId is not null)
        {
            onRunCompleted(runId, arrivedAt);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, closing.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
        }

        await _loops;
        _socket.Dispose();
        _stop.Dispose();
        _sendGate.Dispose();
    }
}

/// <summary>
/// A Chrome trace of the whole browser (every process and thread) through the DevTools protocol, for diagnosing a
/// page load: open it in Perfetto or chrome://tracing, or summarise it with trace-summary.py.
/// </summary>
public sealed class ChromeTrace
{
    private static readonly string[] Categories =
        ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "blink.user_timing", "loading", "navigation", "v8", "toplevel", "benchmark", "cc"];

    private readonly ICDPSession _session;
    private readonly TaskCompletionSource<string> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChromeTrace(ICDPSession session)
    {
        _session = session;
        _session.Event("Tracing.tracingComplete").OnEvent += (_, e) =>
        {
            if (e?.TryGetProperty("stream", out var stream) == true && stream.GetString() is { } handle)
            {
                _stream.TrySetResult(handle);
            }
        };
    }

    public static async Task<ChromeTrace> StartAsync(IBrowser browser)
    {
        var trace = new ChromeTrace(await browser.NewBrowserCDPSessionAsync());
        await trace._session.SendAsync("Tracing.start", new()
        {
            ["transferMode"] = "ReturnAsStream",
            ["traceConfig"] = new Dictionary<string, object> { ["includedCategories"] = Categories, ["recordMode"] = "recordAsMuchAsPossible" },
        });
        return trace;
    }

    /// <summary>Ends the trace and writes its JSON to <paramref name="path"/>.</summary>
    public async Task StopAsync(string path)
    {
        await _session.SendAsync("Tracing.end");
        var handle = await _stream.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await using var file = File.Create(path);
        while (true)
        {
            var chunk = (await _session.SendAsync("IO.read", new() { ["handle"] = handle, ["size"] = 1 << 20 }))!.Value;
            var data = chunk.GetProperty("data").GetString() ?? "";
            var bytes = chunk.TryGetProperty("base64Encoded", out var encoded) && encoded.GetBoolean() ? Convert.FromBase64String(data) : System.Text.Encoding.UTF8.GetBytes(data);
            await file.WriteAsync(bytes);
            if (chunk.GetProperty("eof").GetBoolean())
            {
                break;
            }
        }

        await _session.SendAsync("IO.close", new() { ["handle"] = handle });
        await _session.DetachAsync();
    }
}
