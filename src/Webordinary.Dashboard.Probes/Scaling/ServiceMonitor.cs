using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Probes.Scaling;

/// <summary>
/// Reads the cluster's services from ECS within a call budget (ECS throttles cluster reads; a cluster may have a
/// hundred services) and publishes every read on the <see cref="ServiceStatusFeed"/>, which the services page, the
/// API and the probes that need a service's state share:
/// <list type="bullet">
/// <item>the whole cluster every <see cref="ScalingOptions.ClusterPollInterval"/>: ListServices, DescribeServices 10
/// at a time, the tasks of the watched and changing services, the Hermes service's targets;</item>
/// <item>the watched services (<c>Aws:Service</c> and the allow-listed ones) every <see cref="ScalingOptions.PollInterval"/>,
/// in one DescribeServices;</item>
/// <item>what is changing (not steady, or a change of the dashboard's in flight) every
/// <see cref="ScalingOptions.RolloutPollInterval"/>, and its tasks when its counts moved or every third read;</item>
/// <item>the watched and changing services at once after a change (<see cref="ServiceStatusFeed.RequestRefresh"/>),
/// or when a probe asks for a service whose last read is older than the poll interval (<see cref="GetServiceAsync"/>).</item>
/// </list>
/// Each read also advances the rollouts in flight.
/// One instance of the cluster polls: the one holding the <see cref="LeaseName"/> lease; the others hear its reads on the
/// change feed (so the call budget is the same whatever the instance count), advance their own rollouts in flight with
/// them, and take the lease over when its holder stops or dies.
/// </summary>
public sealed class ServiceMonitor(
    IEcsClient ecs,
    IElbClient elb,
    IOptions<AwsOptions> aws,
    IOptions<ScalingOptions> scaling,
    ServiceScaler scaler,
    ServiceStatusFeed feed,
    IClusterLeases leases,
    ChangeFeed changes,
    TimeProvider time,
    ILogger<ServiceMonitor> logger) : BackgroundService
{
    public const string LeaseName = "ecs-services-poller";

    /// <summary>A changing service's tasks are read at least every this many reads of it, besides whenever its counts move.</summary>
    private const int TaskReadEvery = 3;

    private readonly SemaphoreSlim _reading = new(1, 1);
    private readonly Dictionary<string, ServiceState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskRead> _taskReads = new(StringComparer.Ordinal);
    private DateTimeOffset? _clusterReadAt;
    private DateTimeOffset _watchedReadAt;
    private DateTimeOffset _changingReadAt;
    private volatile bool _polling;

    /// <summary>Whether this instance is the cluster's poller now (it holds the lease).</summary>
    public bool Polling => _polling;

    /// <summary>When a changing service's tasks were last read: at which counts, and how many reads of it since.</summary>
    private sealed record TaskRead(string Counts, int ReadsSince);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // While another instance polls, this one's rollouts in flight follow its reads.
        using var othersReads = changes.Subscribe<ServicesObserved>(ObserveOthersReadsAsync, TimeSpan.Zero, ChangeOrigin.OtherInstances);
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var lease = await leases.AcquireAsync(LeaseName, stoppingToken);
            using var polling = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
            _polling = true;
            try
            {
                var refresh = false;
                while (!polling.IsCancellationRequested)
                {
                    var next = await PollDueAsync(refresh, polling.Token);
                    refresh = await feed.WaitForRefreshAsync(next, time, polling.Token);
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("This instance lost the services poller's lease; it polls again once it holds it");
            }
            finally
            {
                _polling = false;
            }
        }
    }

    private async Task ObserveOthersReadsAsync(IReadOnlyList<ServicesObserved> reads)
    {
        if (_polling || !scaler.AnyInFlight || reads[^1].Snapshot.ObservedAt is null)
        {
            return;
        }

        await scaler.ObserveAsync([.. reads[^1].Snapshot.Services], CancellationToken.None);
    }

    /// <summary>
    /// The service as last read, when that is no older than <see cref="ScalingOptions.PollInterval"/>; else read
    /// now (with the other watched services, so it counts as their read too).
    /// </summary>
    /// <exception cref="PlatformResourceNotFoundException">ECS does not know the service.</exception>
    public async Task<EcsService> GetServiceAsync(string service, CancellationToken cancellationToken)
    {
        if (Fresh(service) is { } known)
        {
            return known;
        }

        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(service) is { } readMeanwhile)
            {
                return readMeanwhile;
            }

            var now = time.GetUtcNow();
            await ReadServicesAsync([.. Watched().Append(service).Distinct(StringComparer.Ordinal)], now, changing: new HashSet<string>(), cancellationToken);
            _watchedReadAt = now;
            // Only the poller's reads are the cluster's snapshot: another instance's would replace it with a part.
            if (_polling)
            {
                Publish(now, null);
            }

            return _states.TryGetValue(service, out var state)
                ? state.Service
                : throw new PlatformResourceNotFoundException("ecs", "DescribeServices", "ServiceNotFoundException", service, $"{service}: MISSING");
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>Reads what is due (everything the first time) and publishes it.</summary>
    /// <param name="refresh">A change was just made: read the watched and changing services now.</param>
    /// <returns>When the next read is due.</returns>
    internal async Task<DateTimeOffset> PollDueAsync(bool refresh, CancellationToken cancellationToken)
    {
        await _reading.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var options = scaling.Value;
            try
            {
                if (_clusterReadAt is null || now >= _clusterReadAt + options.ClusterPollInterval)
                {
                    await ReadClusterAsync(now, cancellationToken);
                }
                else
                {
                    var changing = Changing();
                    var names = new HashSet<string>(StringComparer.Ordinal);
                    if (refresh || now >= _watchedReadAt + options.PollInterval)
                    {
                        names.UnionWith(Watched());
                        _watchedReadAt = now;
                    }

                    if (changing.Count > 0 && (refresh || now >= _changingReadAt + options.RolloutPollInterval))
                    {
                        names.UnionWith(changing);
                        _changingReadAt = now;
                    }

                    if (names.Count > 0)
                    {
                        await ReadServicesAsync([.. names.Order(StringComparer.Ordinal)], now, changing, cancellationToken);
                    }
                }

                await ObserveRolloutsAsync(cancellationToken);
                return Publish(now, null);
            }
            catch (PlatformCallException exception)
            {
                logger.LogWarning("Reading the services failed: {Error}", exception.Message);
                return Publish(now, $"{exception.ErrorCode}: {exception.ErrorMessage}" + (exception.RequestId is null ? "" : $" (request {exception.RequestId})"));
            }
        }
        finally
        {
            _reading.Release();
        }
    }

    private async Task ReadClusterAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cluster = aws.Value.Cluster;
        var arns = await ecs.ListServicesAsync(cluster, cancellationToken);
        var services = await ecs.DescribeServicesAsync(cluster, arns, cancellationToken);
        var changing = Changing();
        var previous = new Dictionary<string, ServiceState>(_states, StringComparer.Ordinal);
        _states.Clear();
        var watched = Watched().ToHashSet(StringComparer.Ordinal);
        foreach (var service in services)
        {
            // Tasks only where the dashboard acts or something moves: a steady cluster of a hundred services is one call per ten.
            var withTasks = watched.Contains(service.Name) || changing.Contains(service.Name)
                || service.RunningCount != service.DesiredCount || service.PendingCount > 0;
            _states[service.Name] = await StateOfAsync(service, previous.GetValueOrDefault(service.Name), now, withTasks, cancellationToken);
        }

        _clusterReadAt = now;
        _watchedReadAt = now;
        _changingReadAt = now;
    }

    /// <summary>Reads some services (one DescribeServices per 10) and merges them into what is known.</summary>
    private async Task ReadServicesAsync(IReadOnlyList<string> names, DateTimeOffset now, IReadOnlySet<string> changing, CancellationToken cancellationToken)
    {
        var services = await ecs.DescribeServicesAsync(aws.Value.Cluster, names, cancellationToken);
        foreach (var service in services)
        {
            var previous = _states.GetValueOrDefault(service.Name);
            var readTasks = false;
            if (changing.Contains(service.Name))
            {
                var counts = CountsOf(service);
                var last = _taskReads.GetValueOrDefault(service.Name);
                readTasks = last is null || last.Counts != counts || last.ReadsSince + 1 >= TaskReadEvery;
                if (!readTasks)
                {
                    _taskReads[service.Name] = last! with { ReadsSince = last.ReadsSince + 1 };
                }
            }

            _states[service.Name] = await StateOfAsync(service, previous, now, readTasks, cancellationToken);
        }

        foreach (var gone in names.Where(n => services.All(s => s.Name != n)))
        {
            _states.Remove(gone);
        }
    }

    private async Task<ServiceState> StateOfAsync(EcsService service, ServiceState? previous, DateTimeOffset now, bool readTasks, CancellationToken cancellationToken)
    {
        var target = aws.Value;
        var targets = service.Name == target.Service ? await TryTargetsAsync(target.TargetGroup, cancellationToken) : null;
        var tasks = previous?.Tasks;
        if (readTasks)
        {
            tasks = service.RunningCount + service.PendingCount > 0 || previous?.Tasks is { Count: > 0 }
                ? await TryTasksAsync(target.Cluster, service.Name, cancellationToken)
                : [];
            _taskReads[service.Name] = new TaskRead(CountsOf(service), 0);
        }

        var scalable = scaler.IsAllowListed(service.Name, out var max);
        return new ServiceState(service, targets, scalable, max, scaler.InFlight(service.Name), tasks, now);
    }

    private async Task ObserveRolloutsAsync(CancellationToken cancellationToken)
    {
        var rollouts = await scaler.ObserveAsync([.. _states.Values], cancellationToken);
        foreach (var (name, state) in _states.ToList())
        {
            _states[name] = state with { Rollout = rollouts.GetValueOrDefault(name) };
        }
    }

    /// <summary>Publishes what is known; after a failed read the services shown are the last known, and ObservedAt stays.</summary>
    /// <returns>When the next read is due (a failed read is tried again after the shortest interval in play).</returns>
    private DateTimeOffset Publish(DateTimeOffset now, string? error)
    {
        var options = scaling.Value;
        var changing = Changing().Count > 0;
        var next = error is not null
            ? now + (changing ? options.RolloutPollInterval : options.PollInterval)
            : new[]
            {
                (_clusterReadAt ?? now) + options.ClusterPollInterval,
                _watchedReadAt + options.PollInterval,
                changing ? _changingReadAt + options.RolloutPollInterval : DateTimeOffset.MaxValue,
            }.Min();
        var services = _states.Values.OrderBy(s => s.Service.Arn, StringComparer.Ordinal).ToList();
        feed.Publish(new ServicesSnapshot(services, error is null ? now : feed.Current.ObservedAt, error, next));
        return next;
    }

    /// <summary>This instance's last read of the service, or the poller's (on another instance), if no older than the poll interval.</summary>
    private ServiceState? FreshState(string service) =>
        new[] { _states.GetValueOrDefault(service), feed.Current.Find(service) }
            .Where(state => state?.ObservedAt is { } at && time.GetUtcNow() - at <= scaling.Value.PollInterval)
            .MaxBy(state => state!.ObservedAt);

    private EcsService? Fresh(string service) => FreshState(service)?.Service;

    /// <summary><c>Aws:Service</c> and the allow-listed services: the ones the dashboard acts on.</summary>
    private IEnumerable<string> Watched() => scaling.Value.Services.Keys.Prepend(aws.Value.Service).Distinct(StringComparer.Ordinal);

    private HashSet<string> Changing() =>
        [.. _states.Values.Where(s => !s.IsSteady || scaler.InFlight(s.Service.Name) is not null).Select(s => s.Service.Name)];

    private static string CountsOf(EcsService service) => $"{service.DesiredCount}/{service.RunningCount}/{service.PendingCount}";

    /// <summary>Task health is shown when ECS gives it; without it the counts still show.</summary>
    private async Task<IReadOnlyList<EcsTask>?> TryTasksAsync(string cluster, string service, CancellationToken cancellationToken)
    {
        try
        {
            return await ecs.ListServiceTasksAsync(cluster, service, cancellationToken);
        }
        catch (PlatformCallException exception)
        {
            logger.LogDebug("Tasks of {Service} unavailable: {Error}", service, exception.Message);
            return null;
        }
    }

    /// <summary>Targets explain a rollout but are not essential: without them the counts still show.</summary>
    private async Task<IReadOnlyList<TargetHealth>?> TryTargetsAsync(string targetGroup, CancellationToken cancellationToken)
    {
        try
        {
            return await elb.DescribeTargetHealthAsync(targetGroup, cancellationToken);
        }
        catch (PlatformCallException exception)
        {
            logger.LogDebug("Target health unavailable: {Error}", exception.Message);
            return null;
        }
    }

    public override void Dispose()
    {
        _reading.Dispose();
        base.Dispose();
    }
}
