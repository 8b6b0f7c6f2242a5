using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Webordinary.Dashboard.Testing;

/// <summary>
/// A real PostgreSQL 15 server for the store tests (Debian's <c>postgresql</c>; tests/run.sh installs it): a cluster
/// made by <c>initdb</c> in a temporary directory, served on a free loopback port (and a Unix socket inside that
/// directory), durability off for speed. As root it runs as the <c>postgres</c> user, as PostgreSQL requires. It can be
/// stopped and started again on the same port and data (an outage); disposing stops it and removes the directory.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    /// <summary>What the postmaster logs once it takes connections: the signal a start waits for.</summary>
    private const string ReadyLine = "database system is ready to accept connections";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string _root;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly Queue<string> _log = new();
    private Process? _postmaster;

    private PostgresServer(string root, int port, IReadOnlyDictionary<string, string> settings)
    {
        _root = root;
        Port = port;
        _settings = settings;
    }

    public int Port { get; }

    /// <summary>The cluster's data directory (its configuration files, and any certificate a test puts there).</summary>
    public string DataDirectory => Path.Combine(_root, "data");

    public string SocketDirectory => Path.Combine(_root, "socket");

    public bool IsRunning => _postmaster is { HasExited: false };

    /// <summary>The superuser's connection string to <paramref name="database"/> over loopback TCP (trust authentication).</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
    }.ConnectionString;

    /// <param name="settings">Server settings beyond the defaults (<c>-c name=value</c>), e.g. <c>ssl</c>.</param>
    /// <param name="prepare">Runs after <c>initdb</c>, before the first start, with the data directory (files it writes there become the server's).</param>
    public static async Task<PostgresServer> StartAsync(IReadOnlyDictionary<string, string>? settings = null, Func<string, Task>? prepare = null)
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDirectory}/initdb): apt-get install postgresql (tests/run.sh does this).");
        }

        var server = new PostgresServer(Directory.CreateTempSubdirectory("webordinary-pg-").FullName, DashboardHost.FreePort(), settings ?? new Dictionary<string, string>());
        try
        {
            Directory.CreateDirectory(server.SocketDirectory);
            await server.GiveToPostgresAsync();
            await server.RunToEndAsync("initdb", "-D", server.DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync");
            if (prepare is not null)
            {
                await prepare(server.DataDirectory);
                await server.GiveToPostgresAsync();
            }

            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the stopped server on the same port and data; returns once it takes connections.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The server is running.");
        }

        string[] arguments =
        [
            "-D", DataDirectory, "-p", Port.ToString(CultureInfo.InvariantCulture), "-k", SocketDirectory,
            "-c", "listen_addresses=127.0.0.1",
            // A test server: nothing here must survive a crash of the machine.
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200", "-c", "shared_buffers=32MB",
            .. _settings.SelectMany(setting => new[] { "-c", $"{setting.Key}={setting.Value}" }),
        ];
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var postmaster = new Process { StartInfo = StartInfo("postgres", arguments) };
        postmaster.ErrorDataReceived += (_, line) => Logged(line.Data, ready);
        postmaster.OutputDataReceived += (_, line) => Logged(line.Data, ready);
        postmaster.Start();
        postmaster.BeginErrorReadLine();
        postmaster.BeginOutputReadLine();
        _postmaster = postmaster;
        // Waiting for the exit also waits for the last lines of its output, which say why.
        _ = postmaster.WaitForExitAsync().ContinueWith(
            _ => ready.TrySetException(new InvalidOperationException($"postgres ({DataDirectory}) exited before it took connections:{Environment.NewLine}{Log()}")),
            TaskScheduler.Default);
        try
        {
            await ready.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"postgres did not take connections within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{Log()}");
        }
    }

    /// <summary>Stops the server (a fast shutdown: sessions ended, data kept); <see cref="StartAgainAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        if (_postmaster is not { } postmaster)
        {
            return;
        }

        if (!postmaster.HasExited)
        {
            await RunToEndAsync("pg_ctl", "stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60");
            await postmaster.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        postmaster.Dispose();
        _postmaster = null;
    }

    /// <summary>A new, empty database (one per test class or test); returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= $"test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false");
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\";", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>Points a dashboard's settings at a new, empty database of this server (<c>Store:Provider=Postgres</c>).</summary>
    public async Task UseForDashboardAsync(Dictionary<string, string?> settings)
    {
        settings["Store:Provider"] = "Postgres";
        settings["Store:ConnectionString"] = await CreateDatabaseAsync();
    }

    /// <summary>The server's recent log lines (for a failure's message).</summary>
    public string Log()
    {
        lock (_log)
        {
            return string.Join(Environment.NewLine, _log);
        }
    }

    private void Logged(string? line, TaskCompletionSource ready)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > 200)
            {
                _log.Dequeue();
            }
        }

        if (line.Contains(ReadyLine, StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }

    /// <summary>PostgreSQL refuses to run as root: as root, the server's files and processes are the postgres user's.</summary>
    private static bool AsRoot => Environment.UserName == "root";

    private Task GiveToPostgresAsync() => AsRoot ? RunToEndAsync("chown", "-R", "postgres:postgres", _root) : Task.CompletedTask;

    private ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        var path = program == "chown" ? program : Path.Combine(BinDirectory, program);
        var info = AsRoot && program != "chown"
            ? new ProcessStartInfo("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", path, .. arguments])
            : new ProcessStartInfo(path, arguments);
        info.WorkingDirectory = _root;
        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        info.UseShellExecute = false;
        return info;
    }

    private async Task RunToEndAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(program, arguments))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {await errors}{await output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception) when (_postmaster is { } postmaster)
        {
            // A stop that did not finish: the server goes anyway, so that nothing outlives the tests.
            await ChildProcesses.StopAsync(postmaster);
            _postmaster = null;
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // Never made.
            }
        }
    }
}
