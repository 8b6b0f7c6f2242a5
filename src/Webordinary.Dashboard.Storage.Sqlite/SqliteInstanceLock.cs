using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Hosting;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>
/// One dashboard per SQLite store. The scheduler, the incident evaluator and the outbox keep their state in the one
/// process, so a second dashboard on the same file would run every probe twice, send every message twice and close
/// the first's live runs as interrupted. The second is refused before anything starts (exit 2), by an exclusive OS
/// lock on <c>dashboard.db.lock</c> beside the database: held from the start of the host until it has stopped, and
/// released by the OS when the process ends however it ends (<c>kill -9</c> too — a pid file would be left behind).
/// The command line's <c>--store</c> does not take it: it only adds runs, through SQLite's own locking. <c>store copy</c>
/// does: the file it moves must not change behind it, and a dashboard started during the copy is refused.
/// </summary>
/// <remarks>Per process by nature: the lock is the process's claim on the file, which no store row can stand for.</remarks>
public sealed class SqliteInstanceLock : IHostedLifecycleService, IDisposable
{
    /// <summary>The lock file's name beside the database.</summary>
    public const string FileName = SqliteDatabase.FileName + ".lock";

    private readonly string _databasePath;
    private FileStream? _held;

    public SqliteInstanceLock(SqliteDatabase database)
        : this(database.DatabasePath)
    {
    }

    /// <summary>The lock of the database at <paramref name="databasePath"/>, for a holder other than the host (<c>store copy</c>).</summary>
    internal SqliteInstanceLock(string databasePath)
    {
        _databasePath = databasePath;
        LockPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databasePath))!, FileName);
    }

    public string LockPath { get; }

    /// <summary>Before any hosted service's start (the scheduler, the start-up repairs) and before Kestrel listens.</summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(LockPath)!;
        try
        {
            Directory.CreateDirectory(directory);
            // OpenOrCreate, not Create: truncating before the lock is taken would wipe the holder's pid.
            // FileShare.None is an exclusive flock on Unix and a sharing denial on Windows.
            _held = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            if (exception is IOException && File.Exists(LockPath) && IsHeldByAnotherProcess(LockPath))
            {
                throw new DataDirectoryInUseException(directory, LockPath, ReadHolder(LockPath), exception);
            }

            throw new DataDirectoryException(directory, _databasePath, exception);
        }

        try
        {
            // Who holds it, for the refusal of the next one. Advisory only (the lock is the flock, not this text), so a
            // full disk that cannot take these few bytes does not stop the start: the store reports its own writes.
            _held.SetLength(0);
            _held.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
            _held.Flush();
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    /// <summary>After every hosted service has stopped (the last writes flushed): the next process may take the file.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _held, null)?.Dispose();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Whether the exclusive open failed because another process holds the file: then a read (a shared lock) fails too,
    /// where a read-only or broken disk lets it through.
    /// </summary>
    private static bool IsHeldByAnotherProcess(string path)
    {
        try
        {
            using var _ = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (IOException exception) when (exception is not FileNotFoundException and not DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The holder's pid as it wrote it, or null. .NET's own file APIs take a shared flock to read, which the holder's
    /// exclusive one refuses; a plain open(2) takes none (Unix only: on Windows the holder's file cannot be opened).
    /// </summary>
    private static int? ReadHolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            var descriptor = Unix.Open(path, 0 /* O_RDONLY */);
            if (descriptor < 0)
            {
                return null;
            }

            var buffer = new byte[32];
            var read = Unix.Read(descriptor, buffer, buffer.Length);
            Unix.Close(descriptor);
            return read > 0 && int.TryParse(Encoding.ASCII.GetString(buffer, 0, (int)read), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                ? pid
                : null;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static class Unix
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "read", SetLastError = true)]
        public static extern nint Read(int descriptor, [Out] byte[] buffer, nint count);

        [DllImport("libc", EntryPoint = "close")]
        public static extern int Close(int descriptor);
    }
}

/// <summary>Another dashboard process holds the SQLite store: a configuration error (exit 2), the key named.</summary>
public sealed class DataDirectoryInUseException(string directory, string lockPath, int? holder, Exception inner) : StoreConfigurationException(
    $"Dashboard:DataDirectory '{directory}' is in use: {lockPath} is locked by another dashboard process" +
    (holder is { } pid ? $" (pid {pid})" : "") +
    ". A SQLite store serves one instance: stop that one, give this one another directory, or use Store:Provider=Postgres to run several instances.",
    inner)
{
    public int? Holder { get; } = holder;
}
