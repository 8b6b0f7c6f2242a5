using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage;

/// <summary>
/// What the app reads from the store at start (open incidents, maintenance windows, API keys, recent runs). A load
/// the store cannot answer yet (its server unreachable) does not stop the start: it waits here, in the order it was
/// registered, and <see cref="StoreFlusher"/> runs it again on its cadence until it succeeds. Until then
/// <see cref="Waiting"/> names it (health, banner) and whoever depends on it asks <see cref="IsLoaded"/> rather than
/// act on an empty state. Per process by nature: it is this process's memory that is not loaded yet.
/// </summary>
public sealed class StartupLoads(IStore store, ILogger<StartupLoads> logger)
{
    private readonly Lock _gate = new();
    private readonly List<(string What, Func<CancellationToken, Task> Load)> _waiting = [];
    private readonly HashSet<string> _loaded = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>What is still waiting for the store, in registration order.</summary>
    public IReadOnlyList<string> Waiting
    {
        get
        {
            lock (_gate)
            {
                return [.. _waiting.Select(w => w.What)];
            }
        }
    }

    public bool IsLoaded(string what)
    {
        lock (_gate)
        {
            return _loaded.Contains(what);
        }
    }

    /// <summary>
    /// Runs <paramref name="load"/> now; when the store is unavailable it waits and is run again later (also when an
    /// earlier load still waits: loads run in order). Any other failure is a bug and fails the start.
    /// </summary>
    public async Task LoadAsync(string what, Func<CancellationToken, Task> load, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _waiting.Add((what, load));
        }

        await RetryAsync(cancellationToken);
    }

    /// <summary>Runs the waiting loads in order until one finds the store unavailable.</summary>
    /// <returns>True when nothing waits any more.</returns>
    public async Task<bool> RetryAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                (string What, Func<CancellationToken, Task> Load) next;
                lock (_gate)
                {
                    if (_waiting.Count == 0)
                    {
                        return true;
                    }

                    next = _waiting[0];
                }

                try
                {
                    await next.Load(cancellationToken);
                }
                catch (Exception exception) when (store.IsUnavailable(exception) && !cancellationToken.IsCancellationRequested)
                {
                    logger.LogWarning("Waiting for the store {Location} to load {What}: {Error}", store.Location, next.What, exception.Message);
                    return false;
                }

                lock (_gate)
                {
                    _waiting.RemoveAt(0);
                    _loaded.Add(next.What);
                }

                logger.LogInformation("Loaded {What} from the store", next.What);
            }
        }
        finally
        {
            _running.Release();
        }
    }
}
