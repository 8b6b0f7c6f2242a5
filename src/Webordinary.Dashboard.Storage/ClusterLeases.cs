namespace Webordinary.Dashboard.Storage;

/// <summary>
/// Work that one instance of the cluster does at a time (the ECS services poller): whoever holds the lease does it and
/// shares the result through the change feed. A lease ends when its holder releases it or dies (its session with the
/// store goes), and another instance takes it over.
/// </summary>
public interface IClusterLeases
{
    /// <summary>Waits until this instance holds the lease named <paramref name="name"/>; disposing it releases it.</summary>
    Task<ClusterLease> AcquireAsync(string name, CancellationToken cancellationToken);
}

/// <summary>A lease this instance holds until it is disposed, or until <see cref="Lost"/> fires (its session with the store went).</summary>
public sealed class ClusterLease(CancellationToken lost, Func<ValueTask> release) : IAsyncDisposable
{
    private int _released;

    public CancellationToken Lost => lost;

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _released, 1) == 0 ? release() : ValueTask.CompletedTask;
}

/// <summary>One instance (the SQLite store is one process's): every lease is this process's at once.</summary>
public sealed class ProcessLeases : IClusterLeases
{
    public Task<ClusterLease> AcquireAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(new ClusterLease(CancellationToken.None, () => ValueTask.CompletedTask));
}
