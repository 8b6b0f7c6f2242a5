namespace Webordinary.Dashboard.Platform;

public sealed record MetricDatum(string Name, double Value, string Unit, IReadOnlyDictionary<string, string> Dimensions);

public sealed record MetricDatapoint(DateTimeOffset Timestamp, double Value, string? Unit);

/// <summary>The CloudWatch operations the dashboard uses (awsQuery, <c>Version=2010-08-01</c>).</summary>
public interface ICloudWatchClient
{
    Task PutMetricDataAsync(string metricNamespace, IReadOnlyList<MetricDatum> data, CancellationToken cancellationToken);

    /// <param name="statistic"><c>Sum</c>, <c>Average</c>, <c>Minimum</c>, <c>Maximum</c> or <c>SampleCount</c>.</param>
    Task<IReadOnlyList<MetricDatapoint>> GetMetricStatisticsAsync(
        string metricNamespace, string metricName, IReadOnlyDictionary<string, string> dimensions,
        DateTimeOffset start, DateTimeOffset end, TimeSpan period, string statistic, CancellationToken cancellationToken);
}
