using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// Cluster leases as PostgreSQL session advisory locks, each held on a connection of its own: the server releases it
/// when the holder releases it or its session ends (a process killed: at once; a host gone: after the TCP keepalives
/// set on the session, about <see cref="DeadPeerDetection"/>). The holder checks its session every
/// <see cref="CheckInterval"/>, and a lost one fires the lease's <see cref="ClusterLease.Lost"/>; the others try to take
/// it every <see cref="RetryInterval"/>.
/// </summary>
public sealed class PostgresClusterLeases(NpgsqlDataSource dataSource, TimeProvider time, ILogger<PostgresClusterLeases> logger) : IClusterLeases
{
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DeadPeerDetection = TimeSpan.FromSeconds(30);

    public async Task<ClusterLease> AcquireAsync(string name, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        while (true)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await using (var keepAlive = new NpgsqlCommand(
                    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 4;", connection))
                {
                    await keepAlive.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1);", connection);
                tryLock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key });
                if (await tryLock.ExecuteScalarAsync(cancellationToken) is true)
                {
                    logger.LogInformation("This instance holds the cluster lease {Lease}", name);
                    return Held(name, key, connection);
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogDebug("The cluster lease {Lease} could not be asked for: {Error}", name, exception.Message);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            await Task.Delay(RetryInterval, time, cancellationToken);
        }
    }

    private ClusterLease Held(string name, long key, NpgsqlConnection connection)
    {
        var lost = new CancellationTokenSource();
        var released = new CancellationTokenSource();
        var gate = new SemaphoreSlim(1, 1);
        _ = WatchAsync();
        return new ClusterLease(lost.Token, async () =>
        {
            await released.CancelAsync();
            await gate.WaitAsync(CancellationToken.None);
            try
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1);", connection);
                unlock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key });
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
            {
                // The session is gone, and the lock with it.
            }
            finally
            {
                await connection.DisposeAsync();
                gate.Release();
                lost.Dispose();
            }
        });

        async Task WatchAsync()
        {
            try
            {
                while (true)
                {
                    await Task.Delay(CheckInterval, time, released.Token);
                    await gate.WaitAsync(released.Token);
                    try
                    {
                        await using var check = new NpgsqlCommand("SELECT 1;", connection);
                        await check.ExecuteScalarAsync(released.Token);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
            }
            catch (OperationCanceledException) when (released.IsCancellationRequested)
            {
                // Released.
            }
            catch (Exception exception)
            {
                logger.LogWarning("The cluster lease {Lease} was lost with its session ({Error}); another instance may take it", name, exception.Message);
                await lost.CancelAsync();
            }
        }
    }

    /// <summary>The advisory lock key of a lease: the first 8 bytes of its name's SHA-256 (stable across builds and instances).</summary>
    internal static long KeyOf(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"webordinary-lease:{name}")), 0);
}
