using System.Diagnostics.Metrics;

namespace Webordinary.Dashboard.Aws;

/// <summary>
/// Every call of the hand-written clients (ECS, ELBv2, CloudWatch, EFS, SNS) as metrics: calls by
/// <c>aws.service</c>, <c>aws.operation</c> and <c>outcome</c> (<c>Success</c> or the AWS error code), and retries by
/// what caused them. A meter of this assembly's own, exported with the dashboard's.
/// </summary>
public static class AwsCallMetrics
{
    public const string MeterName = "Webordinary.Dashboard.Aws";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("webordinary.aws.calls", "{call}", "AWS API calls, retries included in one call.");

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>("webordinary.aws.retries", "{retry}", "AWS API attempts retried, by what caused them.");

    public static void Called(AwsService service, string operation, string outcome) => Calls.Add(1,
        new KeyValuePair<string, object?>("aws.service", service.Name), new KeyValuePair<string, object?>("aws.operation", operation),
        new KeyValuePair<string, object?>("outcome", outcome));

    public static void Retried(AwsService service, string operation, string reason) => Retries.Add(1,
        new KeyValuePair<string, object?>("aws.service", service.Name), new KeyValuePair<string, object?>("aws.operation", operation),
        new KeyValuePair<string, object?>("reason", reason));
}
