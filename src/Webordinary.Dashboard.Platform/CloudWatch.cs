namespace Webordinary.Dashboard.Platform;

public sealed record MetricDatum(string Name, double Value, string Unit, IReadOnlyDictionary<string, string> Dimensions);

/// <summary>The CloudWatch operations the dashboard uses (awsQuery, <c>Version=2010-08-01</c>).</summary>
public interface ICloudWatchClient
{
    Task PutMetricDataAsync(string metricNamespace, IReadOnlyList<MetricDatum> data, CancellationToken cancellationToken);
}
