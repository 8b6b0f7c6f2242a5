using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Webordinary.Dashboard.Testing;

/// <summary>
/// A real SMTP server for the email tests: Debian's aiosmtpd (<c>python3-aiosmtpd</c>, installed by tests/run.sh) on
/// a free loopback port, offering STARTTLS with a self-signed certificate made here — and requiring it before any
/// message, as aiosmtpd does by default. Every message it takes is printed by its Debugging handler and collected here.
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    private const string Begin = "---------- MESSAGE FOLLOWS ----------";
    private const string End = "------------ END MESSAGE ------------";

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _messages = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private StringBuilder? _current;

    private SmtpServer(Process process, int port, string certificateFile)
    {
        _process = process;
        Port = port;
        CertificateFile = certificateFile;
    }

    public int Port { get; }

    /// <summary>The server's certificate (PEM): what a client must trust.</summary>
    public string CertificateFile { get; }

    public static async Task<SmtpServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("smtp-test-").FullName;
        var (certificate, key) = (Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"));
        WriteSelfSignedCertificate(certificate, key);
        var port = DashboardHost.FreePort();
        Process process;
        try
        {
            // Debian's python3 (the module is a Debian package); -u: each message printed as it comes.
            process = Process.Start(new ProcessStartInfo("/usr/bin/python3",
                ["-u", "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "--tlscert", certificate, "--tlskey", key])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("/usr/bin/python3 is missing: apt-get install python3-aiosmtpd (tests/run.sh does this).", exception);
        }

        var server = new SmtpServer(process, port, certificate);
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) => server.Take(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"aiosmtpd exited ({process.ExitCode}): {errors} (apt-get install python3-aiosmtpd)");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                await poll.WaitForNextTickAsync();
            }
        }
    }

    /// <summary>The messages taken so far, as printed (headers, a blank line, the body), oldest first.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    public async Task<IReadOnlyList<string>> WaitForCountAsync(int count, TimeSpan? timeout = null)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_messages.Count >= count)
            {
                return [.. _messages];
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
        }

        await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        return Messages;
    }

    private void Take(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource> release = [];
        lock (_gate)
        {
            if (line == Begin)
            {
                _current = new StringBuilder();
            }
            else if (line == End && _current is not null)
            {
                _messages.Add(_current.ToString());
                _current = null;
                foreach (var waiter in _waiters.Where(w => _messages.Count >= w.Count).ToList())
                {
                    _waiters.Remove(waiter);
                    release.Add(waiter.Done);
                }
            }
            else if (_current is { Length: 0 } && (line.Length == 0 || line.StartsWith("mail options:", StringComparison.Ordinal)))
            {
                // The Debugging handler's note of the MAIL options (8BITMIME, SMTPUTF8) before the message.
            }
            else
            {
                _current?.Append(line).Append("\r\n");
            }
        }

        foreach (var done in release)
        {
            done.TrySetResult();
        }
    }

    private static void WriteSelfSignedCertificate(string certificateFile, string keyFile)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    public ValueTask DisposeAsync() => ChildProcesses.StopAsync(_process);
}
