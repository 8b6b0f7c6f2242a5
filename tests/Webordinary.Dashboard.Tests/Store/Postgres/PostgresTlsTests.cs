using System.Diagnostics;
using System.Security.Authentication;
using Npgsql;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Postgres;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>
/// <c>SSL Mode=VerifyFull</c> with <c>Store:CaFile</c>, as on RDS: a server whose certificate (for <c>localhost</c>)
/// is signed by a certificate authority the test makes with openssl.
/// </summary>
public sealed class PostgresTlsTests(TlsPostgres tls) : IClassFixture<TlsPostgres>
{
    [Fact]
    public async Task The_data_source_connects_over_TLS_verified_against_the_CA_file()
    {
        await using var dataSource = PostgresDataSource.Create(tls.Options(host: "localhost", tls.CaFile));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var ssl = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();", connection);

        Assert.Equal(true, await ssl.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_server_certificate_from_another_authority_is_refused()
    {
        await using var dataSource = PostgresDataSource.Create(tls.Options(host: "localhost", tls.OtherCaFile));

        var refused = await Assert.ThrowsAnyAsync<Exception>(async () => await dataSource.OpenConnectionAsync());

        Assert.True(refused is AuthenticationException || refused.InnerException is AuthenticationException, refused.ToString());
    }

    [Fact]
    public async Task A_server_certificate_for_another_name_is_refused()
    {
        // The certificate names localhost only: reached as 127.0.0.1, VerifyFull refuses it.
        await using var dataSource = PostgresDataSource.Create(tls.Options(host: "127.0.0.1", tls.CaFile));

        var refused = await Assert.ThrowsAnyAsync<Exception>(async () => await dataSource.OpenConnectionAsync());

        Assert.True(refused is AuthenticationException || refused.InnerException is AuthenticationException, refused.ToString());
    }
}

/// <summary>A PostgreSQL server with <c>ssl=on</c>, its certificate signed by a CA made here, and a second, unrelated CA.</summary>
public sealed class TlsPostgres : IAsyncLifetime
{
    private readonly string _certificates = Directory.CreateTempSubdirectory("webordinary-pg-ca-").FullName;
    private PostgresServer _server = null!;

    public string CaFile => Path.Combine(_certificates, "ca.crt");

    public string OtherCaFile => Path.Combine(_certificates, "other-ca.crt");

    public StoreOptions Options(string host, string caFile) => new()
    {
        Provider = StoreOptions.Postgres,
        ConnectionString = new NpgsqlConnectionStringBuilder(_server.ConnectionString())
        {
            Host = host,
            SslMode = SslMode.VerifyFull,
            Pooling = false,
        }.ConnectionString,
        CaFile = caFile,
    };

    public async Task InitializeAsync()
    {
        await OpensslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Webordinary test CA",
            "-keyout", "ca.key", "-out", "ca.crt");
        await OpensslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Another CA",
            "-keyout", "other-ca.key", "-out", "other-ca.crt");
        await OpensslAsync("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
        await File.WriteAllTextAsync(Path.Combine(_certificates, "server.ext"), "subjectAltName=DNS:localhost\n");
        await OpensslAsync("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "server.ext", "-out", "server.crt");

        _server = await PostgresServer.StartAsync(
            new Dictionary<string, string> { ["ssl"] = "on", ["ssl_cert_file"] = "server.crt", ["ssl_key_file"] = "server.key" },
            prepare: dataDirectory =>
            {
                File.Copy(Path.Combine(_certificates, "server.crt"), Path.Combine(dataDirectory, "server.crt"));
                var key = Path.Combine(dataDirectory, "server.key");
                File.Copy(Path.Combine(_certificates, "server.key"), key);
                // PostgreSQL refuses a private key others can read (and runs on Unix only).
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                return Task.CompletedTask;
            });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_certificates, recursive: true);
    }

    private async Task OpensslAsync(params string[] arguments)
    {
        using var openssl = Process.Start(new ProcessStartInfo("openssl", arguments)
        {
            WorkingDirectory = _certificates,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var errors = openssl.StandardError.ReadToEndAsync();
        _ = openssl.StandardOutput.ReadToEndAsync();
        await openssl.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(openssl.ExitCode == 0, $"openssl {string.Join(' ', arguments)} failed: {await errors}");
    }
}
