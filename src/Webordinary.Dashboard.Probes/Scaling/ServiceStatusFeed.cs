using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Storage.Changes;

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

/// <summary>The services as the poller (on whichever instance holds its lease) last read them.</summary>
public sealed record ServicesObserved(ServicesSnapshot Snapshot) : DashboardChange;

/// <summary>Someone changed a service's counts: the poller reads the watched and changing services now.</summary>
public sealed record ServicesRefreshRequested : DashboardChange;

/// <summary>
/// The services' live state, pushed to every open page and hub client of every instance: whoever changed the counts (the
/// dashboard, a schedule, someone with the CLI), the next poll shows it. One instance polls (<see cref="ServiceMonitor"/>,
/// under a cluster lease) and its reads travel on the change feed; <see cref="Current"/> is the last one heard.
/// </summary>
public sealed class ServiceStatusFeed
{
    private readonly ChangeFeed _changes;
    private readonly SemaphoreSlim _refresh = new(0, 1);
    private volatile ServicesSnapshot _current = ServicesSnapshot.Empty;

    public ServiceStatusFeed(ChangeFeed changes)
    {
        _changes = changes;
        // Both live as long as the feed (the process's singletons).
        changes.Apply<ServicesObserved>(observed => _current = observed.Snapshot);
        changes.Apply<ServicesRefreshRequested>(_ => ReleaseRefresh());
    }

    public ServicesSnapshot Current => _current;

    public IDisposable Subscribe(Action<ServicesSnapshot> handler) => _changes.Subscribe<ServicesObserved>(observed => handler(observed.Snapshot));

    /// <summary>A read of the services, made here: every instance's <see cref="Current"/> and subscribers get it.</summary>
    public void Publish(ServicesSnapshot snapshot) => _changes.Publish(new ServicesObserved(snapshot));

    /// <summary>Asks the monitor to read ECS now (after a change), instead of at its next interval, on whichever instance polls.</summary>
    public void RequestRefresh() => _changes.Publish(new ServicesRefreshRequested());

    private void ReleaseRefresh()
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
}
