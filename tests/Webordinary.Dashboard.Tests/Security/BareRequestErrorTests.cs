using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>Requests Kestrel rejects before any middleware runs still get a ProblemDetails body (BareRequestErrorBodies).</summary>
public sealed class BareRequestErrorTests(SecurityHost fixture) : IClassFixture<SecurityHost>
{
    public static TheoryData<string, int> Unreadable => new()
    {
        { "GET /api/probes/%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
        { "GET /probes/%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
        { "GET /alive HTTP/1.1 extra\r\nHost: 127.0.0.1\r\n\r\n", 400 },
        { $"GET /alive HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: {new string('a', 40_000)}\r\n\r\n", 431 },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public async Task A_request_Kestrel_cannot_read_is_answered_with_ProblemDetails(string request, int expected)
    {
        var answer = await ReadToCloseAsync(request);

        var (head, body) = Split(answer);
        Assert.StartsWith($"HTTP/1.1 {expected} ", head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/problem+json", head, StringComparison.Ordinal);
        Assert.Contains($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n", head + "\r\n", StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close", head, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(expected, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
        Assert.StartsWith("The request line could not be read", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("%00", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipelined_keep_alive_answers_are_the_same_as_one_at_a_time()
    {
        const string get = "GET /alive HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        const string last = "GET /alive HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

        var pipelined = await ReadToCloseAsync(get + get + last);
        var single = await ReadToCloseAsync(get.Replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n", StringComparison.Ordinal));
        var keptAlive = single.Replace("Connection: close\r\n", "", StringComparison.Ordinal);

        // Only the Date header and the CSP nonce may differ between the two connections.
        Assert.Equal(WithoutDate(keptAlive + keptAlive + single), WithoutDate(pipelined));
    }

    [Fact]
    public async Task A_4xx_answer_of_the_app_is_unchanged()
    {
        var answer = await ReadToCloseAsync("GET /api/probes/nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        var (head, body) = Split(answer);
        Assert.True(head.StartsWith("HTTP/1.1 404 ", StringComparison.Ordinal), answer);
        Assert.Contains("\r\nContent-Type: application/problem+json", head, StringComparison.Ordinal);
        if (head.Contains("\r\nTransfer-Encoding: chunked", StringComparison.Ordinal))
        {
            body = Unchunk(body);
        }

        using var problem = JsonDocument.Parse(body);
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain("The request line could not be read", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_upgraded_WebSocket_connection_speaks_the_hub_protocol_through_it()
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        var hub = new UriBuilder(new Uri(fixture.Host.BaseAddress, Webordinary.Dashboard.Hubs.StatusHub.Path.TrimStart('/'))) { Scheme = "ws" }.Uri;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(hub, cancel.Token);

        await socket.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, cancel.Token);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, cancel.Token);

        // The handshake answer: an empty JSON object and the record separator, nothing rewritten.
        Assert.Equal("{}\u001e", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }

    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        var rest = chunked.AsSpan();
        while (true)
        {
            var lineEnd = rest.IndexOf("\r\n", StringComparison.Ordinal);
            var size = int.Parse(rest[..lineEnd], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0)
            {
                return body.ToString();
            }

            body.Append(rest.Slice(lineEnd + 2, size));
            rest = rest[(lineEnd + 2 + size + 2)..];
        }
    }

    private static string WithoutDate(string answers) =>
        System.Text.RegularExpressions.Regex.Replace(answers, "\r\nDate: [^\r]*|'nonce-[^']*'", "");

    private static (string Head, string Body) Split(string answer)
    {
        var end = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, answer);
        return (answer[..end], answer[(end + 4)..]);
    }

    private async Task<string> ReadToCloseAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(fixture.Host.BaseAddress.Host, fixture.Host.BaseAddress.Port);
        var stream = client.GetStream();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancel.Token);
        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, cancel.Token);
        }
        catch (IOException)
        {
            // Kestrel may reset after answering a request whose rest it did not read; the answer is already in.
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }
}
