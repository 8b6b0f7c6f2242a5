using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Probes.Telemetry;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// Metrics through OpenTelemetry: the probes' (<see cref="ProbeMetrics"/>), the AWS clients' (<see cref="AwsCallMetrics"/>)
/// and ASP.NET Core's own, to the exporters <c>Metrics</c> turns on — a Prometheus scrape endpoint at <c>/metrics</c>,
/// OTLP — and probe outcomes to CloudWatch (<see cref="CloudWatchProbeMetrics"/>).
/// </summary>
public static class MetricsHostingExtensions
{
    public const string ScrapePath = "/metrics";

    public static WebApplicationBuilder AddDashboardMetrics(this WebApplicationBuilder builder)
    {
        const string root = MetricsOptions.SectionName;
        var services = builder.Services;
        services.AddOptions<MetricsOptions>().Bind(builder.Configuration.GetSection(root))
            .Validate(o => o.CloudWatch.Interval >= TimeSpan.FromSeconds(10) && o.CloudWatch.Interval <= TimeSpan.FromHours(1),
                $"{root}:CloudWatch:Interval must be between 00:00:10 and 01:00:00.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.CloudWatch.Namespace) && o.CloudWatch.Namespace.Length <= 255 && !o.CloudWatch.Namespace.StartsWith("AWS/", StringComparison.Ordinal),
                $"{root}:CloudWatch:Namespace must be a namespace of your own (not AWS/…), e.g. Webordinary/Probes.")
            .Validate(o => string.IsNullOrEmpty(o.Otlp.Endpoint) || Uri.TryCreate(o.Otlp.Endpoint, UriKind.Absolute, out _),
                $"{root}:Otlp:Endpoint must be an absolute URL such as http://otel-collector:4317.")
            .Validate(o => o.Otlp.Protocol is "Grpc" or "HttpProtobuf", $"{root}:Otlp:Protocol must be Grpc or HttpProtobuf.")
            .ValidateOnStart();
        services.AddSingleton<ProbeMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<ProbeMetrics>());

        var settings = builder.Configuration.GetSection(root).Get<MetricsOptions>() ?? new MetricsOptions();
        if (settings.CloudWatch.Enabled)
        {
            services.AddHostedService<CloudWatchProbeMetrics>();
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("webordinary-dashboard"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ProbeMetrics.MeterName, AwsCallMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel");
                if (settings.Prometheus.Enabled)
                {
                    metrics.AddPrometheusExporter();
                }

                if (Uri.TryCreate(settings.Otlp.Endpoint, UriKind.Absolute, out var endpoint))
                {
                    metrics.AddOtlpExporter(otlp =>
                    {
                        otlp.Endpoint = endpoint;
                        otlp.Protocol = settings.Otlp.Protocol == "HttpProtobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    });
                }
            });
        return builder;
    }

    /// <summary>The scrape endpoint, when Prometheus is on; like every page it needs a role (an API key for a scraper).</summary>
    public static WebApplication MapDashboardMetrics(this WebApplication app)
    {
        if (app.Configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>() is not { Prometheus.Enabled: false })
        {
            app.MapPrometheusScrapingEndpoint(ScrapePath);
        }

        return app;
    }
}
