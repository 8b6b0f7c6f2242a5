namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>
/// Kind-specific settings of the session-flow probes (<c>Dashboard:Probes:{id}:…</c>): the Hermes contract's paths
/// and expected statuses — configurable because the real session API is still being finished — and the flow's limits.
/// </summary>
public sealed class HermesSessionOptions
{
    public string HealthPath { get; set; } = "/hermes/health";

    /// <summary>POST creates, <c>{SessionsPath}/{id}</c> reads and deletes, <c>{SessionsPath}/{id}/state</c> (PUT) stores state.</summary>
    public string SessionsPath { get; set; } = "/hermes/api/sessions";

    /// <summary>The session's own route through the ALB; <c>{id}</c> is replaced.</summary>
    public string SessionRoutePath { get; set; } = "/hermes/sessions/{id}/";

    public int CreatedStatus { get; set; } = 201;

    public int ReadStatus { get; set; } = 200;

    public int NotFoundStatus { get; set; } = 404;

    public int DeletedStatus { get; set; } = 204;

    /// <summary>Limit for one step that calls Hermes or DynamoDB.</summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the container may take to be ready (cold start included).</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How often readiness is checked.</summary>
    public TimeSpan ReadinessPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>When Hermes is parked: scale it to 1, run the flow, park it again — instead of reporting Parked.</summary>
    public bool WarmUp { get; set; }

    /// <summary>How long a probe session may live before the janitor removes it.</summary>
    public TimeSpan SessionTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Persistence: how long to wait between writing state and reading it back.</summary>
    public TimeSpan PersistenceDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Persistence: replace the session's task in between (only where the platform can, i.e. the sandbox).</summary>
    public bool ReplaceTask { get; set; } = true;

    /// <summary>Concurrent: how many sessions at once.</summary>
    public int Concurrency { get; set; } = 5;
}
