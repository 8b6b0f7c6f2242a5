using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.SNS;
using Constructs;

namespace Webordinary.Dashboard.Deploy;

/// <summary>
/// Who watches the watcher: an SNS topic (with an optional e-mail subscription), an alarm when the dashboard stops
/// publishing its heartbeat, alarms on its target group's unhealthy targets and 5xx, and a CloudWatch dashboard of
/// the probe metrics the dashboard exports (<c>Metrics:CloudWatch</c>).
/// </summary>
public sealed class DashboardMonitoring : Construct
{
    /// <summary>The CloudWatchHeartbeat probe's metric (its options' defaults) and the shipped probe's id, its dimension.</summary>
    public const string HeartbeatNamespace = "Webordinary/Dashboard";
    public const string HeartbeatMetric = "Heartbeat";
    public const string HeartbeatProbe = "cloudwatch-heartbeat";

    /// <summary>Where <c>Metrics:CloudWatch</c> puts the probes' <c>Success</c> and <c>Duration</c> (its default).</summary>
    public const string ProbeNamespace = "Webordinary/Probes";

    public DashboardMonitoring(Construct scope, string id, DashboardParameters parameters, string targetGroupFullName) : base(scope, id)
    {
        Topic = new CfnTopic(this, "Topic", new CfnTopicProps { DisplayName = "Webordinary Dashboard alarms" });
        var hasEmail = new CfnCondition(this, "HasAlarmEmail", new CfnConditionProps
        {
            Expression = Fn.ConditionNot(Fn.ConditionEquals(parameters.AlarmEmail.ValueAsString, "")),
        });
        var subscription = new CfnSubscription(this, "Email", new CfnSubscriptionProps
        {
            TopicArn = Topic.Ref, Protocol = "email", Endpoint = parameters.AlarmEmail.ValueAsString,
        });
        subscription.CfnOptions.Condition = hasEmail;

        // app/<name>/<id>, the LoadBalancer dimension of AWS/ApplicationELB, from the ALB's ARN.
        var loadBalancerFullName = Fn.Select(1, Fn.Split("loadbalancer/", parameters.LoadBalancerArn.ValueAsString));
        var targetDimensions = new[]
        {
            new CfnAlarm.DimensionProperty { Name = "TargetGroup", Value = targetGroupFullName },
            new CfnAlarm.DimensionProperty { Name = "LoadBalancer", Value = loadBalancerFullName },
        };

        // The heartbeat probe puts 1 a minute; no data for five minutes means the dashboard (or its scheduler) is dead.
        HeartbeatAlarm = Alarm("Heartbeat", "The dashboard stopped publishing its heartbeat: no task is running its probes.",
            HeartbeatNamespace, HeartbeatMetric, [new CfnAlarm.DimensionProperty { Name = "Probe", Value = HeartbeatProbe }],
            "Sum", "LessThanThreshold", threshold: 1, periods: 5, missing: "breaching");
        UnhealthyTargetsAlarm = Alarm("UnhealthyTargets", "A dashboard task fails the ALB's /alive check.",
            "AWS/ApplicationELB", "UnHealthyHostCount", targetDimensions,
            "Maximum", "GreaterThanOrEqualToThreshold", threshold: 1, periods: 3, missing: "notBreaching");
        ServerErrorsAlarm = Alarm("ServerErrors", "The dashboard answered 5xx.",
            "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", targetDimensions,
            "Sum", "GreaterThanOrEqualToThreshold", threshold: 5, periods: 5, missing: "notBreaching");

        Dashboard = new CfnDashboard(this, "Dashboard", new CfnDashboardProps
        {
            DashboardName = Fn.Join("-", ["webordinary-dashboard", Aws.REGION]),
            DashboardBody = Fn.Sub(DashboardBody(), new Dictionary<string, string>
            {
                ["TargetGroupFullName"] = targetGroupFullName,
                ["LoadBalancerFullName"] = loadBalancerFullName,
            }),
        });
    }

    public CfnTopic Topic { get; }

    public CfnAlarm HeartbeatAlarm { get; }

    public CfnAlarm UnhealthyTargetsAlarm { get; }

    public CfnAlarm ServerErrorsAlarm { get; }

    public CfnDashboard Dashboard { get; }

    private CfnAlarm Alarm(string id, string description, string metricNamespace, string metric, CfnAlarm.DimensionProperty[] dimensions,
        string statistic, string comparison, double threshold, int periods, string missing) =>
        new(this, id, new CfnAlarmProps
        {
            AlarmDescription = description,
            Namespace = metricNamespace,
            MetricName = metric,
            Dimensions = dimensions,
            Statistic = statistic,
            Period = 60,
            EvaluationPeriods = periods,
            DatapointsToAlarm = periods,
            Threshold = threshold,
            ComparisonOperator = comparison,
            TreatMissingData = missing,
            AlarmActions = [Topic.Ref],
            OkActions = [Topic.Ref],
        });

    /// <summary>
    /// Probe success and duration by probe (SEARCH, so a probe added later shows without a redeploy), the heartbeat,
    /// and the target group's health and errors.
    /// </summary>
    private static string DashboardBody() => System.Text.Json.JsonSerializer.Serialize(new
    {
        widgets = new object[]
        {
            Widget(0, 0, "Probe success (share of runs that worked)", [new object[] { new { expression = $"SEARCH('{{{ProbeNamespace},Kind,Probe}} MetricName=\"Success\"', 'Average', 60)", id = "success" } }]),
            Widget(12, 0, "Probe duration (ms, p90 of the minute's runs)", [new object[] { new { expression = $"SEARCH('{{{ProbeNamespace},Kind,Probe}} MetricName=\"Duration\"', 'p90', 60)", id = "duration" } }]),
            Widget(0, 6, "Dashboard heartbeat", [new object[] { HeartbeatNamespace, HeartbeatMetric, "Probe", HeartbeatProbe, new { stat = "Sum" } }]),
            Widget(12, 6, "Dashboard targets and 5xx",
            [
                new object[] { "AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", "${TargetGroupFullName}", "LoadBalancer", "${LoadBalancerFullName}", new { stat = "Minimum" } },
                new object[] { "AWS/ApplicationELB", "UnHealthyHostCount", "TargetGroup", "${TargetGroupFullName}", "LoadBalancer", "${LoadBalancerFullName}", new { stat = "Maximum" } },
                new object[] { "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "TargetGroup", "${TargetGroupFullName}", "LoadBalancer", "${LoadBalancerFullName}", new { stat = "Sum" } },
            ]),
        },
    }, new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static object Widget(int x, int y, string title, object[] metrics) => new
    {
        type = "metric", x, y, width = 12, height = 6,
        properties = new { title, region = "${AWS::Region}", view = "timeSeries", period = 60, metrics },
    };
}
