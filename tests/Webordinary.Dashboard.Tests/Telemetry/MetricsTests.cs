using Webordinary.Dashboard.Storage.Changes;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Telemetry;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Testing;
using Webordinary.Dashboard.Tests.Notifications;

namespace Webordinary.Dashboard.Tests.Telemetry;

/// <summary>Metrics: the Prometheus scrape after a few runs, the real prometheus scraping it, CloudWatch outcomes in moto.</summary>
public sealed class MetricsTests(Aws.MotoFixture moto) : IClassFixture<Aws.MotoFixture>
{
    private const string ScraperKey = "wdk_prometheus-scraper-key-for-the-metrics-tests";

    // Each host exports only its own meters (A_host_exports_its_own_runs…); probe ids of their own keep these tests'
    // series recognisable besides.
    private const string Table = "metrics-table";
    private const string Hermes = "metrics-hermes";

    private static async Task<DashboardHost> SandboxHostAsync(Action<WebApplication>? configureApp = null)
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, Table, DynamoDbTableProbe.KindName);
        DashboardHost.AddProbe(settings, Hermes, HermesHealthProbe.KindName);
        settings["Auth:ApiKeys:prometheus:Sha256"] = ApiKeyStore.Hash(ScraperKey);
        settings["Auth:ApiKeys:prometheus:Role"] = "Viewer";
        return await DashboardHost.StartAsync(settings, configureApp: configureApp);
    }

    [Fact]
    public async Task Scrape_shows_runs_by_outcome_durations_steps_and_health_with_the_apis_labels()
    {
        await using var host = await SandboxHostAsync();
        await host.RunProbeAsync(Table);
        await host.RunProbeAsync(Hermes);
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        await host.RunProbeAsync(Table);
        using var http = host.CreateClient();

        var scrape = await http.GetStringAsync("metrics");

        Assert.Contains("webordinary_probe_runs_total{", scrape);
        Assert.Matches("""webordinary_probe_runs_total\{[^}]*kind="DynamoDbTable"[^}]*outcome="Pass"[^}]*probe="metrics-table"[^}]*\} 1""", scrape);
        Assert.Matches("""webordinary_probe_runs_total\{[^}]*outcome="Fail"[^}]*probe="metrics-table"[^}]*\} 1""", scrape);
        Assert.Matches("""webordinary_probe_run_duration_seconds_count\{[^}]*outcome="Pass"[^}]*probe="metrics-hermes"[^}]*\} 1""", scrape);
        Assert.Matches("""webordinary_probe_step_duration_seconds_bucket\{[^}]*step="Describe table"[^}]*le="\+Inf"\}""", scrape);
        Assert.Matches("""webordinary_probe_health\{[^}]*probe="metrics-hermes"\} 1""", scrape);
        Assert.Contains("webordinary_incidents_open", scrape);
    }

    [Fact]
    public async Task A_host_exports_its_own_runs_and_not_those_of_another_host_in_the_same_process()
    {
        await using var first = await SandboxHostAsync();
        await using var second = await SandboxHostAsync();
        await first.RunProbeAsync(Table);
        await second.RunProbeAsync(Hermes);
        using var firstHttp = first.CreateClient();
        using var secondHttp = second.CreateClient();

        var firstScrape = await firstHttp.GetStringAsync("metrics");
        var secondScrape = await secondHttp.GetStringAsync("metrics");

        Assert.Matches("""webordinary_probe_runs_total\{[^}]*probe="metrics-table"[^}]*\} 1""", firstScrape);
        Assert.DoesNotMatch("""webordinary_probe_runs_total\{[^}]*probe="metrics-hermes""", firstScrape);
        Assert.Matches("""webordinary_probe_runs_total\{[^}]*probe="metrics-hermes"[^}]*\} 1""", secondScrape);
        Assert.DoesNotMatch("""webordinary_probe_runs_total\{[^}]*probe="metrics-table""", secondScrape);
    }

    [Fact]
    public async Task Scrape_counts_notification_attempts_by_channel_and_outcome_and_the_delivery_latency()
    {
        await using var flaky = await NotificationReceiver.StartAsync();
        await using var refusing = await NotificationReceiver.StartAsync();
        flaky.Answer = request => flaky.Received.Count == 0 ? (500, null, "boom") : (200, null, "ok");
        refusing.Answer = _ => (400, null, "invalid_payload");
        var settings = NotificationTestSupport.TableAndFlows(flows: false);
        settings["Notifications:FirstRetryDelay"] = "00:00:00.100";
        NotificationTestSupport.AddWebhook(settings, "flaky", flaky.Url());
        NotificationTestSupport.AddWebhook(settings, "refusing", refusing.Url());
        await using var host = await DashboardHost.StartAsync(settings);
        var center = host.Get<NotificationCenter>();
        using var http = host.CreateClient();

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("api/notifications/channels/flaky/test", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("api/notifications/channels/refusing/test", null)).StatusCode);
        await DeliveryTests.WaitForStateAsync(center, "flaky", s => s.LastDeliveredAt is not null);
        await DeliveryTests.WaitForStateAsync(center, "refusing", s => s.Dead == 1);
        var scrape = await http.GetStringAsync("metrics");

        Assert.Matches("""webordinary_notifications_total\{[^}]*channel="flaky"[^}]*kind="Webhook"[^}]*outcome="Failed"[^}]*\} 1\b""", scrape);
        Assert.Matches("""webordinary_notifications_total\{[^}]*channel="flaky"[^}]*outcome="Delivered"[^}]*\} 1\b""", scrape);
        Assert.Matches("""webordinary_notifications_total\{[^}]*channel="refusing"[^}]*outcome="DeadLetter"[^}]*\} 1\b""", scrape);
        Assert.DoesNotMatch("""webordinary_notifications_total\{[^}]*channel="refusing"[^}]*outcome="(Delivered|Failed)""", scrape);
        Assert.Matches("""webordinary_notification_latency_seconds_count\{[^}]*channel="flaky"[^}]*\} 1\b""", scrape);
        Assert.DoesNotMatch("""webordinary_notification_latency_seconds_count\{[^}]*channel="refusing""", scrape);
    }

    [Fact]
    public async Task Metrics_need_a_role_where_sign_in_is_on()
    {
        await using var alb = await AlbSigner.StartAsync();
        var settings = DashboardHost.BaseSettings();
        alb.Configure(settings);
        settings["Auth:ApiKeys:prometheus:Sha256"] = ApiKeyStore.Hash(ScraperKey);
        settings["Auth:ApiKeys:prometheus:Role"] = "Viewer";
        await using var host = await DashboardHost.StartAsync(settings);
        using var anonymous = host.CreateClient();
        using var scraper = host.CreateClient();
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ScraperKey);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync("metrics")).StatusCode);
    }

    [Fact]
    public async Task The_real_prometheus_scrapes_the_dashboard_with_an_api_key()
    {
        // Each scrape Prometheus finishes is the signal to ask it what it has: it scrapes on its own clock.
        using var scraped = new SemaphoreSlim(0);
        await using var host = await SandboxHostAsync(app => app.Use(async (context, next) =>
        {
            await next(context);
            if (context.Request.Path == "/metrics" && context.Response.StatusCode == StatusCodes.Status200OK)
            {
                scraped.Release();
            }
        }));
        await host.RunProbeAsync(Hermes);
        var directory = Directory.CreateTempSubdirectory("prometheus-test-").FullName;
        var port = DashboardHost.FreePort();
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $$"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: webordinary-dashboard
                authorization:
                  type: Bearer
                  credentials: {{ScraperKey}}
                static_configs:
                  - targets: ["127.0.0.1:{{host.BaseAddress.Port}}"]
            """);
        using var prometheus = Process.Start(new ProcessStartInfo("prometheus",
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("prometheus did not start: tests/run.sh installs Debian's prometheus.");
        prometheus.ErrorDataReceived += (_, _) => { };
        prometheus.OutputDataReceived += (_, _) => { };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var deadline = Stopwatch.StartNew();
            JsonElement? result = null;
            while (result is null && await scraped.WaitAsync(TimeSpan.FromTicks(Math.Max(0, (TimeSpan.FromSeconds(60) - deadline.Elapsed).Ticks))))
            {
                try
                {
                    var targets = await api.GetFromJsonAsync<JsonElement>("api/v1/targets");
                    var target = targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray().FirstOrDefault();
                    if (target.ValueKind == JsonValueKind.Object && target.GetProperty("health").GetString() == "up")
                    {
                        var query = await api.GetFromJsonAsync<JsonElement>("api/v1/query?query=" + Uri.EscapeDataString($"webordinary_probe_runs_total{{probe=\"{Hermes}\"}}"));
                        if (query.GetProperty("data").GetProperty("result").GetArrayLength() > 0)
                        {
                            result = query.GetProperty("data").GetProperty("result")[0];
                        }
                    }
                }
                catch (HttpRequestException)
                {
                    // Its API is not up yet: the next scrape says when to ask again.
                }
            }

            Assert.True(result.HasValue, "prometheus never had the dashboard up with webordinary_probe_runs_total");
            Assert.Equal(Hermes, result.Value.GetProperty("metric").GetProperty("probe").GetString());
            Assert.Equal("Pass", result.Value.GetProperty("metric").GetProperty("outcome").GetString());
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Probe_outcomes_arrive_in_cloudwatch_on_moto_as_statistic_sets()
    {
        var settings = moto.Moto.DashboardSettings();
        DashboardHost.AddProbe(settings, "table", DynamoDbTableProbe.KindName);
        DashboardHost.AddProbe(settings, "efs", EfsFileSystemProbe.KindName);
        settings["Metrics:CloudWatch:Enabled"] = "true";
        settings["Metrics:CloudWatch:Namespace"] = "Webordinary/ProbesTest";
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        await using var host = await DashboardHost.StartAsync(settings);
        for (var i = 0; i < 3; i++)
        {
            await host.RunProbeAsync("table");
        }

        await host.RunProbeAsync("efs");
        await host.Services.GetServices<IHostedService>().OfType<CloudWatchProbeMetrics>().Single().PublishAsync(CancellationToken.None);

        var clients = new Aws.AwsClients(settings);
        var dimensions = new Dictionary<string, string> { ["Probe"] = "table", ["Kind"] = DynamoDbTableProbe.KindName };
        var success = await clients.CloudWatch.GetMetricStatisticsAsync("Webordinary/ProbesTest", "Success", dimensions, before, DateTimeOffset.UtcNow.AddMinutes(5),
            TimeSpan.FromHours(1), "SampleCount", CancellationToken.None);
        var average = await clients.CloudWatch.GetMetricStatisticsAsync("Webordinary/ProbesTest", "Success", dimensions, before, DateTimeOffset.UtcNow.AddMinutes(5),
            TimeSpan.FromHours(1), "Average", CancellationToken.None);
        var duration = await clients.CloudWatch.GetMetricStatisticsAsync("Webordinary/ProbesTest", "Duration",
            new Dictionary<string, string> { ["Probe"] = "efs", ["Kind"] = EfsFileSystemProbe.KindName }, before, DateTimeOffset.UtcNow.AddMinutes(5),
            TimeSpan.FromHours(1), "SampleCount", CancellationToken.None);

        using var http = host.CreateClient();
        var scrape = await http.GetStringAsync("metrics");
        Assert.Matches("""webordinary_aws_calls_total\{[^}]*aws_operation="DescribeFileSystems"[^}]*aws_service="Efs"[^}]*outcome="Success"[^}]*\}""", scrape);
        Assert.Matches("""webordinary_aws_calls_total\{[^}]*aws_operation="PutMetricData"[^}]*aws_service="CloudWatch"[^}]*\}""", scrape);

        Assert.Equal(3, success.Sum(p => p.Value));
        Assert.Equal(1, Assert.Single(average).Value);
        Assert.Equal(1, duration.Sum(p => p.Value));
    }

    [Fact]
    public async Task Many_probes_go_in_as_few_calls_as_the_limits_allow_and_planned_work_is_left_out()
    {
        var feed = new ProbeStatusFeed(ChangeFeed.InProcess());
        var cloudWatch = new RecordingCloudWatch();
        var publisher = new CloudWatchProbeMetrics(feed, cloudWatch, Microsoft.Extensions.Options.Options.Create(new MetricsOptions()), new FakeTimeProvider(),
            NullLogger<CloudWatchProbeMetrics>.Instance);
        await publisher.StartAsync(CancellationToken.None);
        var at = DateTimeOffset.UtcNow;
        for (var i = 0; i < 600; i++)
        {
            feed.Publish(new RunCompletedEvent(Run($"probe-{i}", ProbeOutcome.Pass, at)));
        }

        feed.Publish(new RunCompletedEvent(Run("parked", ProbeOutcome.Parked, at)));
        feed.Publish(new RunCompletedEvent(Run("planned", ProbeOutcome.Maintenance, at)));

        await publisher.PublishAsync(CancellationToken.None);

        Assert.Equal([CloudWatchProbeMetrics.MaxDataPerCall, 200], cloudWatch.Calls.Select(c => c.Count));
        Assert.DoesNotContain(cloudWatch.Calls.SelectMany(c => c), d => d.Dimensions["Probe"] is "parked" or "planned");
        Assert.All(cloudWatch.Calls.SelectMany(c => c), d => Assert.Equal(1, d.Statistics!.SampleCount));
        await publisher.StopAsync(CancellationToken.None);
    }

    private static ProbeRun Run(string probe, ProbeOutcome outcome, DateTimeOffset at) =>
        new(ProbeRun.NewId(), probe, "HermesHealth", RunTrigger.Schedule, at, at.AddMilliseconds(20), 20, outcome, null, []);

    private sealed class RecordingCloudWatch : ICloudWatchClient
    {
        public List<IReadOnlyList<MetricDatum>> Calls { get; } = [];

        public Task PutMetricDataAsync(string metricNamespace, IReadOnlyList<MetricDatum> data, CancellationToken cancellationToken)
        {
            Calls.Add(data);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<MetricDatapoint>> GetMetricStatisticsAsync(string metricNamespace, string metricName, IReadOnlyDictionary<string, string> dimensions,
            DateTimeOffset start, DateTimeOffset end, TimeSpan period, string statistic, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<MetricDatapoint>>([]);
    }
}
