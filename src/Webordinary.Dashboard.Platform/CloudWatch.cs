namespace Webordinary.Dashboard.Platform;

/// <param name="Timestamp">When the value was measured (CloudWatch: the time of the request when null).</param>
/// <param name="Statistics">Many values at once as a statistic set; <paramref name="Value"/> is then not sent.</param>
public sealed record MetricDatum(string Name, double Value, string Unit, IReadOnlyDictionary<string, string> Dimensions,
    DateTimeOffset? Timestamp = null, MetricStatistics? Statistics = null);

/// <summary>Values of one metric aggregated before they are sent (CloudWatch's <c>StatisticValues</c>).</summary>
public sealed record MetricStatistics(double SampleCount, double Sum, double Minimum, double Maximum)
{
    public static MetricStatistics Of(IReadOnlyCollection<double> values) => new(values.Count, values.Sum(), values.Min(), values.Max());
}

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
