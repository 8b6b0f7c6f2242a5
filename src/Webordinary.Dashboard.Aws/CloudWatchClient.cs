using System.Globalization;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>CloudWatch over awsQuery (<c>Version=2010-08-01</c>, XML replies).</summary>
public sealed class CloudWatchClient(AwsTransport transport) : ICloudWatchClient
{
    private const string Version = "2010-08-01";

    public async Task PutMetricDataAsync(string metricNamespace, IReadOnlyList<MetricDatum> data, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("Namespace", metricNamespace) };
        for (var i = 0; i < data.Count; i++)
        {
            var prefix = $"MetricData.member.{i + 1}";
            parameters.Add(new($"{prefix}.MetricName", data[i].Name));
            if (data[i].Statistics is { } statistics)
            {
                parameters.Add(new($"{prefix}.StatisticValues.SampleCount", Number(statistics.SampleCount)));
                parameters.Add(new($"{prefix}.StatisticValues.Sum", Number(statistics.Sum)));
                parameters.Add(new($"{prefix}.StatisticValues.Minimum", Number(statistics.Minimum)));
                parameters.Add(new($"{prefix}.StatisticValues.Maximum", Number(statistics.Maximum)));
            }
            else
            {
                parameters.Add(new($"{prefix}.Value", Number(data[i].Value)));
            }

            if (data[i].Timestamp is { } timestamp)
            {
                parameters.Add(new($"{prefix}.Timestamp", timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)));
            }

            parameters.Add(new($"{prefix}.Unit", data[i].Unit));
            parameters.AddRange(Dimensions($"{prefix}.Dimensions", data[i].Dimensions));
        }

        await CallAsync("PutMetricData", parameters, cancellationToken);
    }

    public async Task<IReadOnlyList<MetricDatapoint>> GetMetricStatisticsAsync(
        string metricNamespace, string metricName, IReadOnlyDictionary<string, string> dimensions,
        DateTimeOffset start, DateTimeOffset end, TimeSpan period, string statistic, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("Namespace", metricNamespace),
            new("MetricName", metricName),
            new("StartTime", start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            new("EndTime", end.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            new("Period", ((int)period.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            new("Statistics.member.1", statistic),
        };
        parameters.AddRange(Dimensions("Dimensions", dimensions));
        var root = QueryXml.Parse(await CallAsync("GetMetricStatistics", parameters, cancellationToken));
        return [.. QueryXml.Members(root, "Datapoints")
            .Select(p => new MetricDatapoint(
                DateTimeOffset.Parse(QueryXml.Value(p, "Timestamp")!, CultureInfo.InvariantCulture),
                double.Parse(QueryXml.Value(p, statistic) ?? "0", CultureInfo.InvariantCulture),
                QueryXml.Value(p, "Unit")))
            .OrderBy(p => p.Timestamp)];
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static IEnumerable<KeyValuePair<string, string>> Dimensions(string prefix, IReadOnlyDictionary<string, string> dimensions) =>
        dimensions.SelectMany((d, j) => new KeyValuePair<string, string>[]
        {
            new($"{prefix}.member.{j + 1}.Name", d.Key),
            new($"{prefix}.member.{j + 1}.Value", d.Value),
        });

    private Task<string> CallAsync(string action, List<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken) =>
        transport.SendAsync(AwsService.CloudWatch, action, endpoint => AwsTransport.QueryRequest(endpoint, action, Version, parameters), cancellationToken);
}
