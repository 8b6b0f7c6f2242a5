namespace Webordinary.Dashboard.Probes.Telemetry;

/// <summary><c>Metrics</c> section: which exporters run.</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    public PrometheusMetricsOptions Prometheus { get; set; } = new();

    public OtlpMetricsOptions Otlp { get; set; } = new();

    public CloudWatchMetricsOptions CloudWatch { get; set; } = new();
}

public sealed class PrometheusMetricsOptions
{
    /// <summary>The scrape endpoint <c>/metrics</c> (it needs the Viewer role, like every page).</summary>
    public bool Enabled { get; set; } = true;
}

public sealed class OtlpMetricsOptions
{
    /// <summary>An OTLP collector (<c>http://otel-collector:4317</c>); off when empty.</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>Grpc</c> or <c>HttpProtobuf</c>.</summary>
    public string Protocol { get; set; } = "Grpc";
}

public sealed class CloudWatchMetricsOptions
{
    /// <summary>Probe outcomes as CloudWatch metrics, for dashboards and alarms in the AWS console.</summary>
    public bool Enabled { get; set; }

    public string Namespace { get; set; } = "Webordinary/Probes";

    /// <summary>One PutMetricData call per interval (more only when a batch would exceed its limits).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}
