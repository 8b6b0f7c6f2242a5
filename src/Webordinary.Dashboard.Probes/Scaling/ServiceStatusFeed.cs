using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Probes.Scaling;

/// <summary>A rollout the dashboard started and is watching: from → to, since when, and where it has got to.</summary>
public sealed record RolloutProgress(string AuditId, Audit.Actor Actor, ScaleReason Reason, int From, int To, DateTimeOffset StartedAt, string Phase);

/// <summary>One service as last seen in ECS, with its targets (for the Hermes service) and the rollout in flight.</summary>
/// <param name="Tasks">Its tasks as last read (the watched and the changing services' only), or null when not read.</param>
/// <param name="ObservedAt">When this service was last read from ECS.</param>
public sealed record ServiceState(
    EcsService Service,
    IReadOnlyList<TargetHealth>? Targets,
    bool Scalable,
    int MaxDesiredCount,
    RolloutProgress? Rollout,
    IReadOnlyList<EcsTask>? Tasks = null,
    DateTimeOffset? ObservedAt = null)
{
    public int HealthyTargets => Targets?.Count(t => t.State == "healthy") ?? 0;

    public bool IsParked => Service.DesiredCount == 0;

    /// <summary>No task starting or stopping, and (where targets are known) exactly the desired count healthy.</summary>
    public bool IsSteady => Service.RunningCount == Service.DesiredCount && Service.PendingCount == 0
        && (Targets is null || (HealthyTargets == Service.DesiredCount && Targets.All(t => t.State is "healthy" or "unhealthy")));
}

/// <param name="ObservedAt">When ECS was last read successfully.</param>
/// <param name="Error">Why the last read failed, if it did (the services shown are then the last known).</param>
/// <param name="NextReadAt">When the monitor reads ECS next (sooner after a change).</param>
public sealed record ServicesSnapshot(IReadOnlyList<ServiceState> Services, DateTimeOffset? ObservedAt, string? Error, DateTimeOffset? NextReadAt = null)
{
    public static readonly ServicesSnapshot Empty = new([], null, null);

    public ServiceState? Find(string service) => Services.FirstOrDefault(s => s.Service.Name == service);
}

/// <summary>
/// The services' live state, pushed to every open page and hub client: whoever changed the counts (the dashboard,
/// a schedule, someone with the CLI), the next poll shows it.
/// </summary>
public sealed class ServiceStatusFeed
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _refresh = new(0, 1);
    private Action<ServicesSnapshot>[] _handlers = [];

    public ServicesSnapshot Current { get; private set; } = ServicesSnapshot.Empty;

    public IDisposable Subscribe(Action<ServicesSnapshot> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Subscription(() =>
        {
            lock (_gate)
            {
                _handlers = [.. _handlers.Where(h => h != handler)];
            }
        });
    }

    public void Publish(ServicesSnapshot snapshot)
    {
        Action<ServicesSnapshot>[] handlers;
        lock (_gate)
        {
            Current = snapshot;
            handlers = _handlers;
        }

        foreach (var handler in handlers)
        {
            handler(snapshot);
        }
    }

    /// <summary>Asks the monitor to read ECS now (after a change), instead of at its next interval.</summary>
    public void RequestRefresh()
    {
        try
        {
            _refresh.Release();
        }
        catch (SemaphoreFullException)
        {
            // A refresh is already pending.
        }
    }

    /// <returns>True when a refresh was asked for, false when <paramref name="due"/> came.</returns>
    internal async Task<bool> WaitForRefreshAsync(DateTimeOffset due, TimeProvider time, CancellationToken cancellationToken)
    {
        var remaining = due - time.GetUtcNow();
        using var delay = new CancellationTokenSource(remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining, time);
        // The clock can move between reading it and arming the timer (a test's clock jumps to the due time): the timer
        // would then come late by that much, so look once more now that it is armed.
        if (time.GetUtcNow() >= due)
        {
            return _refresh.Wait(0, CancellationToken.None);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(delay.Token, cancellationToken);
        try
        {
            await _refresh.WaitAsync(linked.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The time came.
            return false;
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                dispose();
            }
        }
    }
}
