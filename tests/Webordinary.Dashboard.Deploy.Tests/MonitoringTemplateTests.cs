using System.Text.Json.Nodes;
using Webordinary.Dashboard.Deploy;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Deploy.Tests;

/// <summary>Who watches the watcher: the topic, the alarms and the CloudWatch dashboard.</summary>
public sealed class MonitoringTemplateTests
{
    private readonly SynthesizedTemplate _synthesized = SynthesizedTemplate.Shared;

    private Dictionary<string, JsonNode> Alarms => _synthesized.OfType("AWS::CloudWatch::Alarm")
        .ToDictionary(a => (string)a.Value!["Properties"]!["MetricName"]!, a => a.Value!["Properties"]!);

    [Fact]
    public void The_heartbeat_alarm_fires_when_the_dashboard_stops_publishing()
    {
        var heartbeat = Alarms["Heartbeat"];
        Assert.Equal("Webordinary/Dashboard", (string?)heartbeat["Namespace"]);
        Assert.Equal("breaching", (string?)heartbeat["TreatMissingData"]);
        Assert.Equal("LessThanThreshold", (string?)heartbeat["ComparisonOperator"]);
        Assert.Equal(1, (double)heartbeat["Threshold"]!);
        var dimension = Assert.Single(heartbeat["Dimensions"]!.AsArray())!;
        Assert.Equal("Probe", (string?)dimension["Name"]);

        // The dimension is the shipped CloudWatchHeartbeat probe's id, so the alarm watches a metric that is published.
        var probes = JsonNode.Parse(File.ReadAllText(Path.Combine(MotoServer.RepositoryRoot(), "appsettings.json")))!["Dashboard"]!["Probes"]!.AsObject();
        var heartbeatProbe = Assert.Single(probes, p => (string?)p.Value!["Kind"] == "CloudWatchHeartbeat");
        Assert.Equal(heartbeatProbe.Key, (string?)dimension["Value"]);
        var options = new Webordinary.Dashboard.Probes.Connectivity.CloudWatchHeartbeatOptions();
        Assert.Equal((options.Namespace, options.MetricName), ((string?)heartbeat["Namespace"], (string?)heartbeat["MetricName"]));
    }

    [Fact]
    public void Unhealthy_targets_and_5xx_of_its_target_group_alarm_to_the_topic()
    {
        foreach (var metric in new[] { "UnHealthyHostCount", "HTTPCode_Target_5XX_Count" })
        {
            var alarm = Alarms[metric];
            Assert.Equal("AWS/ApplicationELB", (string?)alarm["Namespace"]);
            var dimensions = alarm["Dimensions"]!.AsArray().ToDictionary(d => (string)d!["Name"]!, d => d!["Value"]!.ToJsonString());
            Assert.Contains("TargetGroup", dimensions["TargetGroup"], StringComparison.Ordinal);
            Assert.Contains("LoadBalancerArn", dimensions["LoadBalancer"], StringComparison.Ordinal);
        }

        var topic = Assert.Single(_synthesized.OfType("AWS::SNS::Topic")).Key;
        Assert.All(Alarms.Values, alarm =>
        {
            Assert.Equal(topic, (string?)alarm["AlarmActions"]![0]!["Ref"]);
            Assert.Equal(topic, (string?)alarm["OKActions"]![0]!["Ref"]);
        });

        // The e-mail subscription exists only when AlarmEmail is given.
        var subscription = Assert.Single(_synthesized.OfType("AWS::SNS::Subscription")).Value!;
        Assert.Equal("AlarmEmail", (string?)subscription["Properties"]!["Endpoint"]!["Ref"]);
        var condition = (string)subscription["Condition"]!;
        Assert.Contains("AlarmEmail", _synthesized.Json["Conditions"]![condition]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("", (string?)_synthesized.Json["Parameters"]!["AlarmEmail"]!["Default"]);
    }

    [Fact]
    public void The_cloudwatch_dashboard_shows_the_probe_metrics_the_dashboard_exports()
    {
        var body = (string)Assert.Single(_synthesized.OfType("AWS::CloudWatch::Dashboard")).Value!["Properties"]!["DashboardBody"]!["Fn::Sub"]![0]!;
        var widgets = JsonNode.Parse(body)!["widgets"]!.AsArray();
        var text = widgets.ToJsonString();
        var searches = widgets.SelectMany(w => w!["properties"]!["metrics"]!.AsArray()).SelectMany(m => m!.AsArray())
            .Select(m => m is JsonObject o ? (string?)o["expression"] : null).OfType<string>().ToList();
        Assert.Contains($"SEARCH('{{{DashboardMonitoring.ProbeNamespace},Kind,Probe}} MetricName=\"Success\"', 'Average', 60)", searches);
        Assert.Contains($"SEARCH('{{{DashboardMonitoring.ProbeNamespace},Kind,Probe}} MetricName=\"Duration\"', 'p90', 60)", searches);
        Assert.Contains("Heartbeat", text, StringComparison.Ordinal);
        Assert.Contains("HTTPCode_Target_5XX_Count", text, StringComparison.Ordinal);
        // The exporter's namespace default is the one the widgets search.
        Assert.Equal(DashboardMonitoring.ProbeNamespace, new Webordinary.Dashboard.Probes.Telemetry.CloudWatchMetricsOptions().Namespace);
    }
}
