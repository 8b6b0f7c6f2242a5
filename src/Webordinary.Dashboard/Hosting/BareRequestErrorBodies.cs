using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// Kestrel answers a request it cannot parse (a NUL in the path, a malformed request line, a request line or headers
/// over its limits) itself, before any middleware runs, with a bodyless head (<c>Content-Length: 0</c>,
/// <c>Connection: close</c>) that cannot be customised (aspnet/KestrelHttpServer#2947). This connection middleware
/// watches the transport's output and gives exactly that head a ProblemDetails body; every other byte goes to the
/// transport as written, without waiting for a flush.
/// HTTP/1.1 in clear text only: HTTP/2 frames never start with a status line, so they pass through untouched (an
/// HTTP/2 stream error is answered with RST_STREAM, not a head); behind TLS the bytes seen here are encrypted and pass
/// through too.
/// </summary>
public static class BareRequestErrorBodies
{
    public static void Use(ListenOptions listen) => listen.Use(next => async connection =>
    {
        var transport = connection.Transport;
        connection.Transport = new DuplexPipe(transport.Input, new Writer(transport.Output));
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
        }
    });

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>
    /// The first buffer after each flush is lent from a small scratch array and copied to the transport at each
    /// Advance (writers such as Kestrel's keep writing into the rest of a span after Advance, so the scratch stays
    /// theirs until the next GetMemory); later buffers are the transport's own. Only when those first bytes start a
    /// 4xx status line are they held (at most <see cref="MaxHead"/> bytes) until the flush decides: Kestrel's bare
    /// head is replaced, anything else is written on as it was.
    /// </summary>
    private sealed class Writer(PipeWriter inner) : PipeWriter
    {
        private const int MaxHead = 4096;
        private static readonly byte[] ClientErrorStatusLine = "HTTP/1.1 4"u8.ToArray();

        private readonly byte[] _scratch = new byte[MaxHead];
        private static readonly byte[] Http1 = "HTTP/1."u8.ToArray();
        private static readonly byte[] SwitchingProtocols = "HTTP/1.1 101 "u8.ToArray();

        private bool _atFlushStart = true;
        private bool _firstOutput = true;

        // An HTTP/2 connection or an upgraded one (WebSockets: the hub) never carries Kestrel's HTTP/1.1 error head
        // again, so its bytes go straight to the transport.
        private bool _passThrough;
        private bool _lentScratch;
        private int _scratchOffset;
        private bool _holding;

        public override Memory<byte> GetMemory(int sizeHint = 0)
        {
            if (_passThrough)
            {
                _lentScratch = false;
                return inner.GetMemory(sizeHint);
            }

            var needed = Math.Max(sizeHint, 1);
            if (_atFlushStart && needed <= MaxHead)
            {
                _scratchOffset = 0;
                _lentScratch = true;
                return _scratch;
            }

            _atFlushStart = false;
            if (_holding)
            {
                if (needed <= MaxHead - _scratchOffset)
                {
                    _lentScratch = true;
                    return _scratch.AsMemory(_scratchOffset);
                }

                // Too long for Kestrel's head: what was held goes on, and so does everything after it.
                Release();
            }

            _lentScratch = false;
            return inner.GetMemory(sizeHint);
        }

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override void Advance(int bytes)
        {
            if (!_lentScratch)
            {
                inner.Advance(bytes);
                return;
            }

            if (bytes == 0)
            {
                return;
            }

            if (_atFlushStart)
            {
                _atFlushStart = false;
                var first = _scratch.AsSpan(0, bytes);
                // Not written yet: these bytes may be Kestrel's bare answer, decided at the flush.
                _holding = first.StartsWith(ClientErrorStatusLine);
                _passThrough = (_firstOutput && !first.StartsWith(Http1)) || first.StartsWith(SwitchingProtocols);
                _firstOutput = false;
            }

            if (!_holding)
            {
                inner.Write(_scratch.AsSpan(_scratchOffset, bytes));
            }

            _scratchOffset += bytes;
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (_holding)
            {
                if (BareHead.TryParse(_scratch.AsSpan(0, _scratchOffset), out var head))
                {
                    inner.Write(head.WithProblemBody());
                    _holding = false;
                }
                else
                {
                    Release();
                }
            }

            _atFlushStart = true;
            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            Release();
            inner.Complete(exception);
        }

        public override async ValueTask CompleteAsync(Exception? exception = null)
        {
            Release();
            await inner.CompleteAsync(exception);
        }

        // System.Text.Json asks Kestrel's response writer how much is unflushed, which asks this writer.
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes + (_holding ? _scratchOffset : 0);

        private void Release()
        {
            if (_holding)
            {
                inner.Write(_scratch.AsSpan(0, _scratchOffset));
                _holding = false;
            }
        }
    }

    /// <summary>
    /// Kestrel's own error head: one complete head, a 4xx status, and only the headers Kestrel writes on it (no
    /// response that went through the app lacks the security headers). Nothing after the blank line.
    /// </summary>
    private readonly record struct BareHead(int Status, string Head)
    {
        private static readonly string[] KestrelHeaders = ["Content-Length", "Connection", "Date", "Server"];

        public static bool TryParse(ReadOnlySpan<byte> bytes, out BareHead head)
        {
            head = default;
            var end = bytes.IndexOf("\r\n\r\n"u8);
            if (end < 0 || end + 4 != bytes.Length)
            {
                return false;
            }

            var lines = Encoding.Latin1.GetString(bytes[..end]).Split("\r\n");
            var statusLine = lines[0];
            if (statusLine.Length < 12 || statusLine[12..].Length > 0 && statusLine[12] != ' '
                || !int.TryParse(statusLine.AsSpan(9, 3), out var status) || status is < 400 or > 499)
            {
                return false;
            }

            bool lengthZero = false, close = false;
            foreach (var line in lines.AsSpan(1))
            {
                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    return false;
                }

                var name = line[..colon];
                var value = line[(colon + 1)..].Trim();
                if (!KestrelHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    return false;
                }

                lengthZero |= name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && value == "0";
                close |= name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && value.Equals("close", StringComparison.OrdinalIgnoreCase);
            }

            if (!lengthZero || !close)
            {
                return false;
            }

            head = new BareHead(status, string.Join("\r\n", lines.Where(l => !l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))));
            return true;
        }

        /// <summary>The same status and headers, with a generic ProblemDetails body: nothing of the request is echoed.</summary>
        public byte[] WithProblemBody()
        {
            var title = ReasonPhrases.GetReasonPhrase(Status) is { Length: > 0 } phrase ? phrase : "Bad Request";
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["type"] = TypeOf(Status),
                ["title"] = title,
                ["status"] = Status,
                ["detail"] = DetailOf(Status),
            });
            var head = $"{Head}\r\nContent-Type: application/problem+json\r\nContent-Length: {body.Length}\r\n\r\n";
            return [.. Encoding.Latin1.GetBytes(head), .. body];
        }

        private static string TypeOf(int status) => status switch
        {
            400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            408 => "https://tools.ietf.org/html/rfc9110#section-15.5.9",
            413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
            414 => "https://tools.ietf.org/html/rfc9110#section-15.5.15",
            431 => "https://tools.ietf.org/html/rfc6585#section-5",
            _ => "about:blank",
        };

        private static string DetailOf(int status) => status switch
        {
            400 => "The request line could not be read: it or a header is malformed (for example a NUL character in the path). The connection is closed.",
            408 => "The request line could not be read: it did not arrive in time. The connection is closed.",
            413 => "The request line could not be read: the request is larger than the server accepts. The connection is closed.",
            414 => "The request line could not be read: it is longer than the server accepts. The connection is closed.",
            431 => "The request line could not be read: its headers are larger than the server accepts. The connection is closed.",
            _ => "The request line could not be read. The connection is closed.",
        };
    }
}
