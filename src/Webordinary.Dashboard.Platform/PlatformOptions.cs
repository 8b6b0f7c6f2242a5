using System.ComponentModel.DataAnnotations;

namespace Webordinary.Dashboard.Platform;

public enum PlatformMode
{
    /// <summary>The built-in simulated platform: no AWS needed.</summary>
    Sandbox,

    /// <summary>The team's real AWS account.</summary>
    Aws,
}

/// <summary><c>Platform</c> section: which platform the probes talk to.</summary>
public sealed class PlatformOptions
{
    public const string SectionName = "Platform";

    public PlatformMode Mode { get; set; } = PlatformMode.Sandbox;
}

/// <summary>
/// <c>Aws</c> section: the resources that make up the Webordinary platform. The sandbox simulates resources with
/// these same names, so a probe reads the same settings in both modes.
/// </summary>
public sealed class AwsOptions
{
    public const string SectionName = "Aws";

    public string? Region { get; set; }

    public string? Profile { get; set; }

    /// <summary>One endpoint for every service (moto, LocalStack).</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Per-service endpoint overrides (<c>Aws:Endpoints:Ecs</c>, <c>Elb</c>, <c>CloudWatch</c>, <c>DynamoDb</c>, <c>Efs</c>); they win over <see cref="ServiceUrl"/>.</summary>
    public Dictionary<string, string> Endpoints { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Limit for one AWS call, retries included.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a throttled or 5xx call is retried (capped exponential backoff with jitter).</summary>
    public int MaxRetries { get; set; } = 3;

    [Required(AllowEmptyStrings = false)]
    public string Cluster { get; set; } = "webordinary-edit-cluster";

    [Required(AllowEmptyStrings = false)]
    public string Service { get; set; } = "webordinary-hermes-service";

    /// <summary>Target group name or ARN.</summary>
    [Required(AllowEmptyStrings = false)]
    public string TargetGroup { get; set; } = "webordinary-hermes-tg";

    [Required(AllowEmptyStrings = false)]
    public string SessionTable { get; set; } = "webordinary-edit-sessions";

    public string? FileSystemId { get; set; }

    /// <summary>Base URL that serves <c>/hermes/...</c>. Empty in sandbox mode: the app's own simulated ALB is used.</summary>
    public string? AlbUrl { get; set; }
}

/// <summary>Where the ALB that fronts Hermes is reachable (the sandbox serves one from the app itself).</summary>
public interface IAlbEndpoint
{
    Uri BaseUrl { get; }
}
