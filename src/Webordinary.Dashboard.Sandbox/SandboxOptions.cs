namespace Webordinary.Dashboard.Sandbox;

/// <summary><c>Sandbox</c> section: how the simulated platform behaves.</summary>
public sealed class SandboxOptions
{
    public const string SectionName = "Sandbox";

    /// <summary>How long a new ECS task stays PENDING before it is RUNNING.</summary>
    public TimeSpan TaskStartDelay { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How long a RUNNING task's target stays <c>initial</c> before the ALB calls it healthy.</summary>
    public TimeSpan HealthCheckDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a stopping task's target stays <c>draining</c>.</summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Hermes desired count when the app starts.</summary>
    public int InitialDesiredCount { get; set; } = 1;

    /// <summary>Start with the initial tasks already running and healthy, so a fresh start shows a healthy platform.</summary>
    public bool StartWarm { get; set; } = true;

    /// <summary>
    /// Faults in place from the start, by component (<c>Sandbox:Faults:dynamodb:Mode = down</c>): a demo of an outage,
    /// or a command-line run that must fail. Changed at run time from the sandbox page or the API.
    /// </summary>
    public Dictionary<string, SandboxFault> Faults { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Clearing a fault re-runs at once the probes it left failing (those that check the component or need one that does).</summary>
    public bool RecheckOnClear { get; set; } = true;

    /// <summary>Injecting a fault re-runs at once the probes it affects, so the overview shows it within seconds.</summary>
    public bool RecheckOnInject { get; set; } = true;
}

/// <summary><c>Sandbox:Faults:{component}</c>: a fault's mode (<c>none</c>, <c>down</c>, <c>slow</c>, <c>errors</c>, <c>throttle</c>, <c>openrule</c>) and its settings.</summary>
public sealed class SandboxFault
{
    public string? Mode { get; set; }

    public int LatencyMs { get; set; }

    public double ErrorRate { get; set; }
}
