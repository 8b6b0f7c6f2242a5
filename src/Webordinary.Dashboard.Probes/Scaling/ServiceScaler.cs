using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Probes.Scaling;

public enum ScaleRequestStatus
{
    Accepted,

    /// <summary>Already at that count and nothing in flight: nothing to do (the request is idempotent).</summary>
    NoChange,
    NotAllowListed,
    OutOfRange,
    ChangeInFlight,
    UnknownService,
    Failed,
}

public sealed record ScaleRequestResult(ScaleRequestStatus Status, string Service, string Message, string? AuditId = null, int? From = null, int? To = null,
    string? ErrorCode = null, string? RequestId = null);

/// <summary>
/// Sets a service's desired count with guardrails: only allow-listed services, 0 to their maximum, one change at a
/// time per service. Every change and every refusal is audited with its actor; the rollout is then watched (by <see cref="ServiceMonitor"/>) until
/// steady, and the time it took is stored — the service's real cold-start time.
/// </summary>
public sealed class ServiceScaler(
    IEcsClient ecs,
    IOptions<AwsOptions> aws,
    IOptions<ScalingOptions> scaling,
    AuditLog audit,
    ServiceStatusFeed feed,
    IScaleClaims claims,
    DashboardInstance instance,
    TimeProvider time,
    ILogger<ServiceScaler> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RolloutProgress> _inFlight = new(StringComparer.Ordinal);

    // The last rollout of each service that became steady, and when: a run that started during it and failed is the
    // rollout's, even when the rollout was seen to settle before the run ended.
    private readonly Dictionary<string, (RolloutProgress Rollout, DateTimeOffset SettledAt)> _settled = new(StringComparer.Ordinal);

    public RolloutProgress? InFlight(string service)
    {
        lock (_gate)
        {
            return _inFlight.GetValueOrDefault(service);
        }
    }

    /// <summary>The rollout in flight, or else the last one that settled at or after <paramref name="since"/>.</summary>
    public RolloutProgress? InFlightSince(string service, DateTimeOffset since)
    {
        lock (_gate)
        {
            return _inFlight.GetValueOrDefault(service)
                ?? (_settled.TryGetValue(service, out var settled) && settled.SettledAt >= since ? settled.Rollout : null);
        }
    }

    public bool AnyInFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count > 0;
            }
        }
    }

    public bool IsAllowListed(string service, out int maxDesiredCount)
    {
        var found = scaling.Value.Services.TryGetValue(service, out var settings);
        maxDesiredCount = settings?.MaxDesiredCount ?? 0;
        return found;
    }

    /// <param name="supersedeOwn">A change still in flight that <paramref name="actor"/> itself started is closed as Superseded instead of refusing.</param>
    public async Task<ScaleRequestResult> RequestAsync(string service, int desiredCount, ScaleReason reason, Actor actor, CancellationToken cancellationToken,
        bool supersedeOwn = false)
    {
        var result = await ChangeAsync(service, desiredCount, reason, actor, supersedeOwn, cancellationToken);
        if (result.Status is ScaleRequestStatus.NotAllowListed or ScaleRequestStatus.OutOfRange or ScaleRequestStatus.ChangeInFlight or ScaleRequestStatus.UnknownService)
        {
            await audit.AddAsync(new AuditEntry(ProbeRun.NewId(), time.GetUtcNow(), actor, AuditAction.Scale, service, nameof(ScaleOutcome.Refused), result.Message,
                new ScaleChange(result.Status == ScaleRequestStatus.ChangeInFlight ? -1 : result.From ?? -1, desiredCount, reason, time.GetUtcNow())), CancellationToken.None);
        }

        return result;
    }

    private async Task<ScaleRequestResult> ChangeAsync(string service, int desiredCount, ScaleReason reason, Actor actor, bool supersedeOwn,
        CancellationToken cancellationToken)
    {
        if (!IsAllowListed(service, out var max))
        {
            return new(ScaleRequestStatus.NotAllowListed, service,
                $"{service} is not in Scaling:Services, so the dashboard may not scale it.");
        }

        if (desiredCount < 0 || desiredCount > max)
        {
            return new(ScaleRequestStatus.OutOfRange, service,
                $"desiredCount must be between 0 and {max} for {service} (Scaling:Services:{service}:MaxDesiredCount); got {desiredCount}.");
        }

        RolloutProgress progress;
        RolloutProgress? superseded = null;
        lock (_gate)
        {
            if (_inFlight.TryGetValue(service, out var own) && supersedeOwn && own.Actor.Id == actor.Id && own.From >= 0)
            {
                superseded = own;
                _inFlight.Remove(service);
            }

            if (_inFlight.TryGetValue(service, out var busy))
            {
                return new(ScaleRequestStatus.ChangeInFlight, service,
                    $"A change of {service} to {busy.To} ({busy.Reason}, by {busy.Actor.Name}) is in flight since {busy.StartedAt:HH:mm:ss} UTC; wait until it is steady.",
                    busy.AuditId, busy.From, busy.To);
            }

            // Claimed before any await, so a second click cannot slip in while ECS is being asked.
            progress = new RolloutProgress(ProbeRun.NewId(), actor, reason, -1, desiredCount, time.GetUtcNow(), "Requested");
            _inFlight[service] = progress;
        }

        if (superseded is not null)
        {
            await claims.ReleaseAsync(service, superseded.AuditId, CancellationToken.None);
            await audit.CompleteScaleAsync(superseded.AuditId, ScaleOutcome.Superseded, $"Superseded by a change to {desiredCount} from {actor.Name}.",
                time.GetUtcNow(), null, CancellationToken.None);
        }

        // The store's claim holds it for every instance: another's change in flight refuses this one (409).
        ScaleClaim? holder;
        try
        {
            holder = await claims.TryClaimAsync(new ScaleClaim(service, progress.AuditId, actor.Id, actor.Name, reason, desiredCount, progress.StartedAt, instance.Id),
                progress.StartedAt - scaling.Value.RolloutTimeout - StaleClaimMargin, cancellationToken);
        }
        catch
        {
            Release(service);
            throw;
        }

        if (holder is not null)
        {
            Release(service);
            return new(ScaleRequestStatus.ChangeInFlight, service,
                $"A change of {service} to {holder.To} ({holder.Reason}, by {holder.ActorName}) is in flight since {holder.StartedAt:HH:mm:ss} UTC, started by "
                + $"another instance; wait until it is steady.", holder.AuditId, null, holder.To);
        }

        try
        {
            var current = await ecs.DescribeServiceAsync(aws.Value.Cluster, service, cancellationToken);
            if (current.DesiredCount == desiredCount)
            {
                await ReleaseAsync(service, progress.AuditId);
                return new(ScaleRequestStatus.NoChange, service, $"{service} already wants {desiredCount}.", null, desiredCount, desiredCount);
            }

            progress = progress with { From = current.DesiredCount, StartedAt = time.GetUtcNow() };
            lock (_gate)
            {
                _inFlight[service] = progress;
            }

            await audit.AddAsync(new AuditEntry(progress.AuditId, progress.StartedAt, actor, AuditAction.Scale, service, nameof(ScaleOutcome.InProgress), null,
                new ScaleChange(current.DesiredCount, desiredCount, reason)), CancellationToken.None);
            try
            {
                await ecs.UpdateDesiredCountAsync(aws.Value.Cluster, service, desiredCount, cancellationToken);
            }
            catch (PlatformCallException exception)
            {
                await audit.CompleteScaleAsync(progress.AuditId, ScaleOutcome.Failed, $"{exception.ErrorCode}: {exception.ErrorMessage}",
                    time.GetUtcNow(), null, CancellationToken.None);
                throw;
            }
            catch (Exception exception) when (exception is not PlatformCallException)
            {
                // Cancelled or broken while ECS was being asked: the entry says so instead of staying InProgress for good.
                await audit.CompleteScaleAsync(progress.AuditId, ScaleOutcome.Failed, $"Not known whether ECS took the change: {exception.Message}",
                    time.GetUtcNow(), null, CancellationToken.None);
                throw;
            }

            logger.LogInformation("{Actor} scaled {Service} from {From} to {To} ({Reason})", actor.ToString(), service, current.DesiredCount, desiredCount, reason);
            feed.RequestRefresh();
            return new(ScaleRequestStatus.Accepted, service, $"Scaling {service} from {current.DesiredCount} to {desiredCount}.",
                progress.AuditId, current.DesiredCount, desiredCount);
        }
        catch (PlatformResourceNotFoundException exception)
        {
            await ReleaseAsync(service, progress.AuditId);
            return new(ScaleRequestStatus.UnknownService, service, $"{service}: {exception.ErrorMessage}", null, null, null, exception.ErrorCode, exception.RequestId);
        }
        catch (PlatformCallException exception)
        {
            await ReleaseAsync(service, progress.AuditId);
            return new(ScaleRequestStatus.Failed, service, $"ECS refused the change: {exception.ErrorCode}: {exception.ErrorMessage}", progress.AuditId,
                null, desiredCount, exception.ErrorCode, exception.RequestId);
        }
        catch
        {
            await ReleaseAsync(service, progress.AuditId);
            throw;
        }
    }

    /// <summary>
    /// Called with each fresh read of ECS: advances the rollouts in flight, and records the steady (or timed-out)
    /// ones in the audit log with their elapsed time.
    /// </summary>
    internal async Task<IReadOnlyDictionary<string, RolloutProgress>> ObserveAsync(IReadOnlyList<ServiceState> services, CancellationToken cancellationToken)
    {
        List<(string Service, RolloutProgress Rollout)> watching;
        lock (_gate)
        {
            // From < 0: still being requested; the next read will see it.
            watching = [.. _inFlight.Where(p => p.Value.From >= 0).Select(p => (p.Key, p.Value))];
        }

        var now = time.GetUtcNow();
        var result = new Dictionary<string, RolloutProgress>(StringComparer.Ordinal);
        foreach (var (service, rollout) in watching)
        {
            if (services.FirstOrDefault(s => s.Service.Name == service) is not { } state)
            {
                continue;
            }

            var elapsed = now - rollout.StartedAt;
            if (state.Service.DesiredCount == rollout.To && state.IsSteady)
            {
                await audit.CompleteScaleAsync(rollout.AuditId, ScaleOutcome.Completed, $"Steady at {rollout.To} after {elapsed.TotalSeconds:0.0} s.",
                    now, elapsed.TotalMilliseconds, cancellationToken);
                lock (_gate)
                {
                    _settled[service] = (rollout, now);
                }

                await ReleaseAsync(service, rollout.AuditId);
                logger.LogInformation("{Service} is steady at {Count} after {Elapsed}", service, rollout.To, elapsed);
                continue;
            }

            if (elapsed > scaling.Value.RolloutTimeout)
            {
                await audit.CompleteScaleAsync(rollout.AuditId, ScaleOutcome.TimedOut,
                    $"Not steady after {elapsed.TotalMinutes:0.#} min (running {state.Service.RunningCount}, pending {state.Service.PendingCount}, healthy targets {state.HealthyTargets}).",
                    now, null, cancellationToken);
                await ReleaseAsync(service, rollout.AuditId);
                continue;
            }

            var advanced = rollout with { Phase = PhaseOf(rollout, state) };
            lock (_gate)
            {
                _inFlight[service] = advanced;
            }

            result[service] = advanced;
        }

        return result;
    }

    /// <summary>Where a rollout has got to: pending → running → targets healthy (up), or stopping → draining (down).</summary>
    public static string PhaseOf(RolloutProgress rollout, ServiceState state)
    {
        var service = state.Service;
        if (rollout.To >= rollout.From)
        {
            return service.RunningCount < rollout.To
                ? $"Starting: {service.RunningCount}/{rollout.To} running, {service.PendingCount} pending"
                : state.Targets is not null && state.HealthyTargets < rollout.To
                    ? $"Registering: {state.HealthyTargets}/{rollout.To} targets healthy"
                    : "Steady";
        }

        var draining = state.Targets?.Count(t => t.State == "draining") ?? 0;
        return service.RunningCount > rollout.To || service.PendingCount > 0
            ? $"Stopping: {service.RunningCount} running, {rollout.To} wanted"
            : draining > 0 ? $"Draining: {draining} target(s)" : "Steady";
    }

    /// <summary>A claim this long past the rollout timeout was left by an instance that died watching it: it is taken over.</summary>
    private static readonly TimeSpan StaleClaimMargin = TimeSpan.FromMinutes(1);

    /// <summary>Ends the change here and in the store (a claim the store could not drop now goes stale after the rollout timeout).</summary>
    private async Task ReleaseAsync(string service, string auditId)
    {
        Release(service);
        try
        {
            await claims.ReleaseAsync(service, auditId, CancellationToken.None);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "The claim of the change {AuditId} of {Service} could not be released; it lapses after the rollout timeout", auditId, service);
        }
    }

    private void Release(string service)
    {
        lock (_gate)
        {
            _inFlight.Remove(service);
        }
    }
}
