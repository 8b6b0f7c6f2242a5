using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Sandbox;

/// <summary>
/// The simulated Webordinary platform: an ECS cluster whose Hermes service starts tasks after a delay, an ALB
/// target group whose targets go initial → healthy → draining, a DynamoDB session table and a CloudWatch sink.
/// State advances from timestamps on every read (no background loop), so it is exact under any clock.
/// </summary>
public sealed class SandboxPlatform
{
    public const string DefaultFileSystemId = "fs-0sandbox0workspaces";

    public const string WorkerServiceName = "webordinary-build-worker";

    private readonly Lock _gate = new();
    private readonly SandboxOptions _options;
    private readonly TimeProvider _time;
    private readonly FaultInjector _faults;
    private readonly string _clusterName;
    private readonly string _accountRegion = $"{Region}:{Account}";
    private readonly Dictionary<string, SimService> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimTable> _tables = new(StringComparer.Ordinal);
    private readonly List<(DateTimeOffset At, string Namespace, MetricDatum Datum)> _metrics = [];
    private int _taskCounter;

    public SandboxPlatform(IOptions<SandboxOptions> options, IOptions<AwsOptions> aws, FaultInjector faults, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _faults = faults;
        var target = aws.Value;
        _clusterName = target.Cluster;
        TargetGroupName = target.TargetGroup;
        HermesServiceName = target.Service;
        var now = time.GetUtcNow();
        var warmStart = _options.StartWarm ? now - _options.TaskStartDelay - _options.HealthCheckDelay : now;
        var hermes = new SimService(target.Service, now);
        _services[target.Service] = hermes;
        for (var i = 0; i < _options.InitialDesiredCount; i++)
        {
            hermes.Tasks.Add(NewTask(warmStart));
        }

        hermes.DesiredCount = _options.InitialDesiredCount;
        hermes.Events.Insert(0, new EcsServiceEvent(now, $"(service {target.Service}) was created by the sandbox."));

        // A second service the dashboard shows but may not scale (it is not allow-listed by default).
        var worker = new SimService(WorkerServiceName, now) { DesiredCount = 1 };
        worker.Tasks.Add(NewTask(warmStart));
        worker.Events.Insert(0, new EcsServiceEvent(now, $"(service {WorkerServiceName}) was created by the sandbox."));
        _services[WorkerServiceName] = worker;
        _tables[target.SessionTable] = new SimTable(target.SessionTable,
            [new DynamoKeyAttribute("sessionId", DynamoKeyType.Hash, DynamoScalarType.S)]);
        FileSystemId = string.IsNullOrWhiteSpace(target.FileSystemId) ? DefaultFileSystemId : target.FileSystemId;
        LoadBalancer = new LoadBalancer("webordinary-alb", $"arn:aws:elasticloadbalancing:{Region}:{Account}:loadbalancer/app/webordinary-alb/0sandbox",
            "webordinary-alb.sandbox.local", "active", "application");
    }

    private const string Region = "us-west-2";
    private const string Account = "000000000000";

    public string FileSystemId { get; }

    public LoadBalancer LoadBalancer { get; }

    public string TargetGroupName { get; }

    public string HermesServiceName { get; }

    public string ClusterArn => $"arn:aws:ecs:{_accountRegion}:cluster/{_clusterName}";

    // ---- ECS ----

    public EcsCluster DescribeCluster(string cluster)
    {
        lock (_gate)
        {
            RequireCluster(cluster, "DescribeClusters");
            Advance();
            var tasks = _services.Values.SelectMany(s => s.Tasks).ToList();
            return new EcsCluster(_clusterName, ClusterArn, "ACTIVE", _services.Count,
                tasks.Count(t => t.LastStatus(_time.GetUtcNow(), _options) == "RUNNING"),
                tasks.Count(t => t.LastStatus(_time.GetUtcNow(), _options) == "PENDING"));
        }
    }

    public IReadOnlyList<string> ListServices(string cluster)
    {
        lock (_gate)
        {
            RequireCluster(cluster, "ListServices");
            return [.. _services.Keys.Select(ServiceArn)];
        }
    }

    public EcsService DescribeService(string cluster, string service)
    {
        lock (_gate)
        {
            RequireCluster(cluster, "DescribeServices");
            Advance();
            return Snapshot(RequireService(service, "DescribeServices"));
        }
    }

    public EcsService UpdateDesiredCount(string cluster, string service, int desiredCount)
    {
        lock (_gate)
        {
            RequireCluster(cluster, "UpdateService");
            if (desiredCount < 0)
            {
                throw new PlatformCallException("ecs", "UpdateService", "InvalidParameterException",
                    "desiredCount must be zero or more.", 400, FaultInjector.NewRequestId());
            }

            var sim = RequireService(service, "UpdateService");
            Advance();
            var now = _time.GetUtcNow();
            // A task being replaced is on its way out already: its replacement stands for it.
            var active = sim.Tasks.Where(t => t.StopRequestedAt is null && t.ReplacedBy is null).ToList();
            if (desiredCount > active.Count)
            {
                var started = Enumerable.Range(0, desiredCount - active.Count).Select(_ => NewTask(now)).ToList();
                sim.Tasks.AddRange(started);
                sim.AddEvent(now, $"(service {sim.Name}) has started {started.Count} tasks: {string.Join(" ", started.Select(t => $"(task {t.Id})"))}.");
            }
            else if (desiredCount < active.Count)
            {
                var stopping = active.OrderByDescending(t => t.CreatedAt).Take(active.Count - desiredCount).ToList();
                // A replacement stopped before it took over takes the task it was replacing with it.
                stopping.AddRange(sim.Tasks.Where(t => t.ReplacedBy is { } replacement && stopping.Contains(replacement)));
                foreach (var task in stopping)
                {
                    task.StopRequestedAt = now;
                }

                sim.AddEvent(now, $"(service {sim.Name}) has stopped {stopping.Count} running tasks: {string.Join(" ", stopping.Select(t => $"(task {t.Id})"))}.");
            }

            if (desiredCount != sim.DesiredCount)
            {
                sim.DesiredCount = desiredCount;
                sim.DeploymentStartedAt = now;
                sim.SteadyAnnounced = false;
            }

            return Snapshot(sim);
        }
    }

    public IReadOnlyList<EcsTask> ListServiceTasks(string cluster, string service)
    {
        lock (_gate)
        {
            RequireCluster(cluster, "ListTasks");
            Advance();
            var now = _time.GetUtcNow();
            return [.. RequireService(service, "ListTasks").Tasks.Select(t => new EcsTask(
                $"arn:aws:ecs:{_accountRegion}:task/{_clusterName}/{t.Id}", t.LastStatus(now, _options),
                t.StopRequestedAt is null ? "RUNNING" : "STOPPED", t.IsRunning(now, _options) ? "HEALTHY" : "UNKNOWN",
                t.IsRunning(now, _options) ? t.CreatedAt + _options.TaskStartDelay : null,
                t.StopRequestedAt is null ? null : "Scaling activity initiated by the sandbox"))];
        }
    }

    // ---- ALB ----

    private string TargetGroupArn => $"arn:aws:elasticloadbalancing:{Region}:{Account}:targetgroup/{TargetGroupName}/0sandbox";

    public TargetGroup DescribeTargetGroup(string targetGroup)
    {
        RequireTargetGroup(targetGroup, "DescribeTargetGroups");
        return new TargetGroup(TargetGroupName, TargetGroupArn, "HTTP", 3000, "/hermes/health", [LoadBalancer.Arn]);
    }

    public IReadOnlyList<TargetHealth> DescribeTargetHealth(string targetGroup)
    {
        lock (_gate)
        {
            RequireTargetGroup(targetGroup, "DescribeTargetHealth");
            Advance();
            return HermesTargets();
        }
    }

    private void RequireTargetGroup(string targetGroup, string operation)
    {
        if (targetGroup != TargetGroupName && targetGroup != TargetGroupArn)
        {
            throw new PlatformResourceNotFoundException("elbv2", operation, "TargetGroupNotFound", targetGroup,
                $"One or more target groups not found: {targetGroup}", 400, FaultInjector.NewRequestId());
        }
    }

    /// <summary>
    /// Replaces the Hermes task behind <paramref name="targetId"/> the way an ECS deployment with minimumHealthyPercent
    /// 100 does: the replacement starts, and only once its target is healthy does the old task start draining, so the
    /// service never has fewer healthy tasks than it wants (desired count unchanged).
    /// </summary>
    public bool ReplaceTask(string targetId)
    {
        lock (_gate)
        {
            Advance();
            var hermes = _services[HermesServiceName];
            var task = hermes.Tasks.FirstOrDefault(t => t.Ip == targetId && t.StopRequestedAt is null);
            if (task is null)
            {
                return false;
            }

            if (task.ReplacedBy is not null)
            {
                return true;
            }

            var now = _time.GetUtcNow();
            var replacement = NewTask(now);
            task.ReplacedBy = replacement;
            hermes.Tasks.Add(replacement);
            hermes.SteadyAnnounced = false;
            hermes.AddEvent(now, $"(service {hermes.Name}) has started 1 tasks: (task {replacement.Id}) to replace (task {task.Id}).");
            return true;
        }
    }

    public bool IsHealthyTarget(string targetId) => PickHealthyTargets().Contains(targetId);

    private List<string> PickHealthyTargets()
    {
        lock (_gate)
        {
            Advance();
            return [.. HermesTargets().Where(t => t.State == "healthy").Select(t => t.TargetId)];
        }
    }

    /// <summary>The ALB's view: a healthy target to route to, if any (tasks are spread round-robin).</summary>
    public string? PickHealthyTarget()
    {
        lock (_gate)
        {
            Advance();
            var healthy = HermesTargets().Where(t => t.State == "healthy").ToList();
            return healthy.Count == 0 ? null : healthy[Random.Shared.Next(healthy.Count)].TargetId;
        }
    }

    private List<TargetHealth> HermesTargets()
    {
        var now = _time.GetUtcNow();
        var hermesDown = _faults.Get(SandboxComponents.Hermes).Mode == FaultMode.Down;
        var targets = new List<TargetHealth>();
        if (!_services.TryGetValue(HermesServiceName, out var hermes))
        {
            return targets;
        }

        foreach (var task in hermes.Tasks.Where(t => t.IsRunning(now, _options) || t.StopRequestedAt is not null))
        {
            var ip = task.Ip;
            if (task.StopRequestedAt is not null)
            {
                // Only tasks that got as far as running were registered; they drain.
                if (task.StopRequestedAt >= task.CreatedAt + _options.TaskStartDelay)
                {
                    targets.Add(new TargetHealth(ip, 3000, "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"));
                }
            }
            else if (now < task.CreatedAt + _options.TaskStartDelay + _options.HealthCheckDelay)
            {
                targets.Add(new TargetHealth(ip, 3000, "initial", "Elb.InitialHealthChecking", "Initial health checks in progress"));
            }
            else if (hermesDown)
            {
                targets.Add(new TargetHealth(ip, 3000, "unhealthy", "Target.FailedHealthChecks", "Health checks failed with these codes: [503]"));
            }
            else
            {
                targets.Add(new TargetHealth(ip, 3000, "healthy", null, null));
            }
        }

        return targets;
    }

    // ---- DynamoDB ----

    public DynamoTableDescription DescribeTable(string table)
    {
        lock (_gate)
        {
            var sim = RequireTable(table, "DescribeTable");
            return new DynamoTableDescription(sim.Name, "ACTIVE", sim.KeySchema, sim.Items.Count);
        }
    }

    public void PutItem(string table, IReadOnlyDictionary<string, object> item)
    {
        lock (_gate)
        {
            var sim = RequireTable(table, "PutItem");
            sim.Items[sim.KeyOf(item, "PutItem")] = new Dictionary<string, object>(item);
        }
    }

    public IReadOnlyDictionary<string, object>? GetItem(string table, IReadOnlyDictionary<string, object> key)
    {
        lock (_gate)
        {
            var sim = RequireTable(table, "GetItem");
            return sim.Items.TryGetValue(sim.KeyOf(key, "GetItem"), out var item) ? new Dictionary<string, object>(item) : null;
        }
    }

    public void DeleteItem(string table, IReadOnlyDictionary<string, object> key)
    {
        lock (_gate)
        {
            var sim = RequireTable(table, "DeleteItem");
            sim.Items.Remove(sim.KeyOf(key, "DeleteItem"));
        }
    }

    public IReadOnlyList<IReadOnlyDictionary<string, object>> Items(string table, Func<IReadOnlyDictionary<string, object>, bool> match)
    {
        lock (_gate)
        {
            var sim = RequireTable(table, "Scan");
            return [.. sim.Items.Values.Where(match).Select(i => (IReadOnlyDictionary<string, object>)new Dictionary<string, object>(i))];
        }
    }

    public int ItemCount(string table)
    {
        lock (_gate)
        {
            return _tables.TryGetValue(table, out var sim) ? sim.Items.Count : 0;
        }
    }

    // ---- CloudWatch ----

    public void PutMetricData(string metricNamespace, IReadOnlyList<MetricDatum> data)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _metrics.AddRange(data.Select(d => (d.Timestamp ?? now, metricNamespace, d)));
            if (_metrics.Count > 10_000)
            {
                _metrics.RemoveRange(0, _metrics.Count - 10_000);
            }
        }
    }

    public IReadOnlyList<(DateTimeOffset At, string Namespace, MetricDatum Datum)> Metrics
    {
        get
        {
            lock (_gate)
            {
                return [.. _metrics];
            }
        }
    }

    public IReadOnlyList<MetricDatapoint> GetMetricStatistics(string metricNamespace, string metricName,
        IReadOnlyDictionary<string, string> dimensions, DateTimeOffset start, DateTimeOffset end, TimeSpan period, string statistic)
    {
        lock (_gate)
        {
            var points = _metrics.Where(m => m.Namespace == metricNamespace && m.Datum.Name == metricName && m.At >= start && m.At < end
                    && dimensions.All(d => m.Datum.Dimensions.TryGetValue(d.Key, out var value) && value == d.Value))
                .GroupBy(m => start + period * Math.Floor((m.At - start) / period));
            // A datum with a statistic set counts as its many values, as CloudWatch counts it.
            static MetricStatistics Set(MetricDatum d) => d.Statistics ?? new MetricStatistics(1, d.Value, d.Value, d.Value);
            return [.. points.OrderBy(g => g.Key).Select(g => new MetricDatapoint(g.Key, statistic switch
            {
                "Sum" => g.Sum(m => Set(m.Datum).Sum),
                "Average" => g.Sum(m => Set(m.Datum).Sum) / g.Sum(m => Set(m.Datum).SampleCount),
                "Minimum" => g.Min(m => Set(m.Datum).Minimum),
                "Maximum" => g.Max(m => Set(m.Datum).Maximum),
                _ => g.Sum(m => Set(m.Datum).SampleCount),
            }, g.First().Datum.Unit))];
        }
    }

    // ---- EFS ----

    public EfsFileSystem DescribeFileSystem(string fileSystemId)
    {
        RequireFileSystem(fileSystemId, "DescribeFileSystems");
        return new EfsFileSystem(FileSystemId, "webordinary-workspaces", "available", 2);
    }

    public IReadOnlyList<EfsMountTarget> DescribeMountTargets(string fileSystemId)
    {
        RequireFileSystem(fileSystemId, "DescribeMountTargets");
        return
        [
            new EfsMountTarget("fsmt-0sandbox0a", "subnet-0sandbox0a", $"{Region}a", "available", "10.0.1.20"),
            new EfsMountTarget("fsmt-0sandbox0b", "subnet-0sandbox0b", $"{Region}b", "available", "10.0.2.20"),
        ];
    }

    private void RequireFileSystem(string fileSystemId, string operation)
    {
        if (fileSystemId != FileSystemId)
        {
            throw new PlatformResourceNotFoundException("efs", operation, "FileSystemNotFound", fileSystemId,
                $"File system '{fileSystemId}' does not exist.", 404, FaultInjector.NewRequestId());
        }
    }

    // ---- internals ----

    /// <summary>DynamoDB's equality of two attribute values (a binary one by its bytes).</summary>
    public static bool SameValue(object? a, object? b) => a is not null && b is not null && KeyText(a) == KeyText(b);

    private static string KeyText(object value) => value is byte[] bytes ? Convert.ToBase64String(bytes) : value.ToString() ?? "";

    private void RequireCluster(string cluster, string operation)
    {
        if (cluster != _clusterName && cluster != ClusterArn)
        {
            throw new PlatformResourceNotFoundException("ecs", operation, "ClusterNotFoundException", cluster,
                "Cluster not found.", 400, FaultInjector.NewRequestId());
        }
    }

    private SimService RequireService(string service, string operation)
    {
        var name = service.Contains('/') ? service[(service.LastIndexOf('/') + 1)..] : service;
        return _services.TryGetValue(name, out var sim)
            ? sim
            : throw new PlatformResourceNotFoundException("ecs", operation, "ServiceNotFoundException", service,
                $"Service not found: {service} (failures: MISSING).", 400, FaultInjector.NewRequestId());
    }

    private SimTable RequireTable(string table, string operation) =>
        _tables.TryGetValue(table, out var sim)
            ? sim
            : throw new PlatformResourceNotFoundException("dynamodb", operation, "ResourceNotFoundException", table,
                "Requested resource not found", 400, FaultInjector.NewRequestId());

    private string ServiceArn(string name) => $"arn:aws:ecs:{_accountRegion}:service/{_clusterName}/{name}";

    private SimTask NewTask(DateTimeOffset createdAt)
    {
        var n = ++_taskCounter;
        return new SimTask($"{n:x4}{Guid.NewGuid():N}"[..32], createdAt, $"10.0.{n / 250 % 250}.{n % 250 + 2}");
    }

    /// <summary>Drops tasks that finished draining and notes steady state, from timestamps.</summary>
    private void Advance()
    {
        var now = _time.GetUtcNow();
        foreach (var service in _services.Values)
        {
            foreach (var old in service.Tasks.Where(t => t.ReplacedBy is not null && t.StopRequestedAt is null).ToList())
            {
                var healthyAt = old.ReplacedBy!.CreatedAt + _options.TaskStartDelay + _options.HealthCheckDelay;
                if (now >= healthyAt)
                {
                    // From the moment the replacement was healthy, exactly: state follows the timestamps, not the reads.
                    old.StopRequestedAt = healthyAt;
                    service.AddEvent(now, $"(service {service.Name}) has begun draining connections on 1 tasks: (task {old.Id}), replaced by (task {old.ReplacedBy.Id}).");
                }
            }

            foreach (var gone in service.Tasks.Where(t => t.StopRequestedAt is { } stop && now >= stop + _options.DrainDelay).ToList())
            {
                service.Tasks.Remove(gone);
                service.AddEvent(now, $"(service {service.Name}) deregistered 1 targets and stopped (task {gone.Id}).");
            }

            var running = service.Tasks.Count(t => t.IsRunning(now, _options));
            var healthy = service.Tasks.Count(t => t.StopRequestedAt is null && now >= t.CreatedAt + _options.TaskStartDelay + _options.HealthCheckDelay);
            if (!service.SteadyAnnounced && running == service.DesiredCount && healthy == service.DesiredCount
                && service.Tasks.All(t => t.StopRequestedAt is null))
            {
                service.SteadyAnnounced = true;
                service.SteadyAt = now;
                service.AddEvent(now, $"(service {service.Name}) has reached a steady state.");
            }
        }
    }

    private EcsService Snapshot(SimService sim)
    {
        var now = _time.GetUtcNow();
        var running = sim.Tasks.Count(t => t.IsRunning(now, _options));
        var pending = sim.Tasks.Count(t => t.LastStatus(now, _options) == "PENDING");
        var rollout = sim.SteadyAnnounced ? "COMPLETED" : "IN_PROGRESS";
        var deployment = new EcsDeployment($"ecs-svc/{sim.Name}", "PRIMARY", rollout, sim.DesiredCount, running, pending, sim.DeploymentStartedAt);
        return new EcsService(sim.Name, ServiceArn(sim.Name), ClusterArn, "ACTIVE", sim.DesiredCount, running, pending,
            [deployment], [.. sim.Events.Take(20)]);
    }

    private sealed class SimService(string name, DateTimeOffset createdAt)
    {
        public string Name { get; } = name;
        public int DesiredCount { get; set; }
        public List<SimTask> Tasks { get; } = [];
        public List<EcsServiceEvent> Events { get; } = [];
        public DateTimeOffset DeploymentStartedAt { get; set; } = createdAt;
        public bool SteadyAnnounced { get; set; }
        public DateTimeOffset? SteadyAt { get; set; }

        /// <summary>Newest first, as ECS lists them.</summary>
        public void AddEvent(DateTimeOffset at, string message)
        {
            Events.Insert(0, new EcsServiceEvent(at, message));
            if (Events.Count > 100)
            {
                Events.RemoveAt(Events.Count - 1);
            }
        }
    }

    private sealed class SimTask(string id, DateTimeOffset createdAt, string ip)
    {
        public string Id { get; } = id;
        public DateTimeOffset CreatedAt { get; } = createdAt;
        public string Ip { get; } = ip;
        public DateTimeOffset? StopRequestedAt { get; set; }

        /// <summary>The task taking over from this one; this one drains once that one is healthy.</summary>
        public SimTask? ReplacedBy { get; set; }

        public bool IsRunning(DateTimeOffset now, SandboxOptions options) =>
            StopRequestedAt is null && now >= CreatedAt + options.TaskStartDelay;

        public string LastStatus(DateTimeOffset now, SandboxOptions options) =>
            StopRequestedAt is not null ? "DEACTIVATING" : IsRunning(now, options) ? "RUNNING" : "PENDING";
    }

    private sealed class SimTable(string name, IReadOnlyList<DynamoKeyAttribute> keySchema)
    {
        public string Name { get; } = name;
        public IReadOnlyList<DynamoKeyAttribute> KeySchema { get; } = keySchema;
        public Dictionary<string, Dictionary<string, object>> Items { get; } = new(StringComparer.Ordinal);

        public string KeyOf(IReadOnlyDictionary<string, object> item, string operation) => string.Join("\u001f", KeySchema.Select(k =>
            item.TryGetValue(k.Name, out var value) && value is not null
                ? KeyText(value)
                : throw new PlatformCallException("dynamodb", operation, "ValidationException",
                    $"One of the required keys was not given a value: {k.Name}", 400, FaultInjector.NewRequestId())));
    }
}
