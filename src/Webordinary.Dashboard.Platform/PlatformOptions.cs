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

    /// <summary>One endpoint for every service (moto, LocalStack), used as given.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// Per-service endpoint overrides (<c>Aws:Endpoints:Ecs</c>, <c>Elb</c>, <c>CloudWatch</c>, <c>DynamoDb</c>,
    /// <c>Efs</c>, <c>Ec2</c>), used as given (VPC endpoints, FIPS hosts); they win over <see cref="ServiceUrl"/>.
    /// </summary>
    public Dictionary<string, string> Endpoints { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>FIPS endpoints; unset: <c>AWS_USE_FIPS_ENDPOINT</c>, then the profile's <c>use_fips_endpoint</c>, else off.</summary>
    public bool? UseFips { get; set; }

    /// <summary>Dual-stack (IPv6) endpoints; unset: <c>AWS_USE_DUALSTACK_ENDPOINT</c>, then the profile's <c>use_dualstack_endpoint</c>, else off.</summary>
    public bool? UseDualStack { get; set; }

    /// <summary>Limit for one AWS call, retries included.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Attempts per AWS call, the first included (the SDK's standard retry mode); unset: <c>AWS_MAX_ATTEMPTS</c>,
    /// then the profile's <c>max_attempts</c>, else 3.
    /// </summary>
    public int? MaxAttempts { get; set; }

    /// <summary>The old name: retries after the first attempt. Still read (as <see cref="MaxAttempts"/> = MaxRetries + 1).</summary>
    public int? MaxRetries { get; set; }

    /// <summary>
    /// Values for the session table's key attributes that do not carry the session id, by attribute name (e.g.
    /// <c>Aws:SessionKeyValues:tenantId = 7</c> for a table keyed by tenantId + sessionId). A numeric range key
    /// needs none: it gets the time the row was written, in epoch milliseconds.
    /// </summary>
    public Dictionary<string, string> SessionKeyValues { get; set; } = new(StringComparer.Ordinal);

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
