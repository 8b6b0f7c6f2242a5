using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>CloudWatch: a heartbeat metric can be published (the team's "metrics publishing functional").</summary>
public sealed class CloudWatchHeartbeatProbe(ProbeDefinition definition, ICloudWatchClient cloudWatch) : IProbe
{
    public const string KindName = "CloudWatchHeartbeat";

    private readonly CloudWatchHeartbeatOptions _options = definition.Bind<CloudWatchHeartbeatOptions>();

    public string Id => definition.Id;

    public string Kind => KindName;

    public Task RunAsync(ProbeContext context, CancellationToken cancellationToken) =>
        context.StepAsync("Put heartbeat metric", async step =>
        {
            var datum = new MetricDatum(_options.MetricName, 1, "Count", new Dictionary<string, string> { ["Probe"] = Id });
            await cloudWatch.PutMetricDataAsync(_options.Namespace, [datum], step.CancellationToken);
            step.Detail = $"{_options.Namespace}/{_options.MetricName} = 1";
        }, cancellationToken);
}

/// <summary>Kind-specific settings of <see cref="CloudWatchHeartbeatProbe"/>.</summary>
public sealed class CloudWatchHeartbeatOptions
{
    public string Namespace { get; set; } = "Webordinary/Dashboard";

    public string MetricName { get; set; } = "Heartbeat";
}
