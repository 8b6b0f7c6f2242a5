namespace Webordinary.Dashboard.Testing;

/// <summary>The shipped probe set (the ids and kinds of appsettings.json, default topology), at intervals a test chooses.</summary>
public static class PlatformProbes
{
    public const string Ecs = "ecs-hermes-service";
    public const string Dynamo = "dynamodb-session-table";
    public const string CloudWatch = "cloudwatch-heartbeat";
    public const string Alb = "alb-target-health";
    public const string Hermes = "hermes-health";
    public const string Efs = "efs-workspaces";
    public const string ColdStart = "session-cold-start";
    public const string Persistence = "session-persistence";
    public const string Concurrent = "session-concurrent";
    public const string Routing = "session-routing";
    public const string Janitor = "session-janitor";

    public static readonly string[] SessionFlows = [ColdStart, Persistence, Concurrent, Routing];

    /// <param name="interval">Of the connectivity probes; the session flows run at twice it, persistence at <paramref name="persistenceInterval"/>.</param>
    public static void Add(Dictionary<string, string?> settings, string interval, string persistenceInterval, string? only = null)
    {
        var flows = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) * 2;
        var probes = new (string Id, string Kind, string Interval)[]
        {
            (Ecs, "EcsService", interval),
            (Dynamo, "DynamoDbTable", interval),
            (CloudWatch, "CloudWatchHeartbeat", interval),
            (Alb, "AlbTargetHealth", interval),
            (Hermes, "HermesHealth", interval),
            (Efs, "EfsFileSystem", interval),
            (ColdStart, "SessionColdStart", flows.ToString("c")),
            (Persistence, "SessionPersistence", persistenceInterval),
            (Concurrent, "SessionConcurrent", flows.ToString("c")),
            (Routing, "SessionRouting", flows.ToString("c")),
            (Janitor, "SessionJanitor", flows.ToString("c")),
        };
        foreach (var (id, kind, every) in probes.Where(p => only is null || only.Split(',').Contains(p.Id)))
        {
            DashboardHost.AddProbe(settings, id, kind, interval: every, timeout: "00:00:30");
            settings[$"Dashboard:Probes:{id}:ReadinessTimeout"] = "00:00:20";
            settings[$"Dashboard:Probes:{id}:ReadinessPollInterval"] = "00:00:00.100";
            settings[$"Dashboard:Probes:{id}:PersistenceDelay"] = "00:00:01";
        }
    }
}
