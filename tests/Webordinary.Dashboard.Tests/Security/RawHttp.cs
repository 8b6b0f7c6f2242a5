using System.Net.Sockets;
using System.Text;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>Requests HttpClient will not send (no Host, a foreign Host, a body that stalls), written to the socket as they are.</summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> and reads the answer's status line and headers.</summary>
    public static async Task<(int Status, string Head)> SendAsync(Uri server, string request, TimeSpan? timeout = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancel.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var head = received.ToString();
        var statusLine = head.Split("\r\n")[0].Split(' ');
        return (statusLine.Length > 1 && int.TryParse(statusLine[1], out var status) ? status : 0, head);
    }
}
