using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Api;

public class ApiHost : IAsyncLifetime
{
    public DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName);
        DashboardHost.AddProbe(settings, "cooldown-probe", CloudWatchHeartbeatProbe.KindName);
        await UseStoreAsync(settings);
        Host = await DashboardHost.StartAsync(settings);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>Points the dashboard at its store: SQLite in the settings' data directory here; a subclass runs the same tests on another engine.</summary>
    protected virtual Task UseStoreAsync(Dictionary<string, string?> settings) => Task.CompletedTask;
}

/// <summary>The REST API over real HTTP: shapes, status codes, and ProblemDetails for every bad input.</summary>
public abstract class ApiTests<THost>(THost fixture) : IClassFixture<THost>
    where THost : ApiHost
{
    private readonly HttpClient _client = fixture.Host.CreateClient();

    [Fact]
    public async Task Probes_list_each_probe_with_kind_schedule_and_status_as_strings()
    {
        var probes = await _client.GetFromJsonAsync<JsonElement>("api/probes");

        var ecs = probes.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "ecs");
        Assert.Equal("EcsService", ecs.GetProperty("kind").GetString());
        Assert.StartsWith("cron ", ecs.GetProperty("schedule").GetString());
        Assert.Contains(ecs.GetProperty("status").GetString(), new[] { "Unknown", "Pass", "Degraded", "Fail", "Parked" });
    }

    [Fact]
    public async Task Run_now_answers_202_with_the_run_id_and_the_run_is_then_listed_with_its_steps()
    {
        using var recorder = new FeedRecorder(fixture.Host.Get<ProbeStatusFeed>());

        var response = await _client.PostAsync("api/probes/ecs/run", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var runId = accepted.GetProperty("runId").GetString()!;
        Assert.Equal($"/api/runs/{runId}", response.Headers.Location!.OriginalString);
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.Id == runId);

        var runs = await _client.GetFromJsonAsync<JsonElement>("api/probes/ecs/runs?limit=5");
        var run = runs.EnumerateArray().First(r => r.GetProperty("id").GetString() == runId);
        Assert.Equal("Pass", run.GetProperty("outcome").GetString());
        Assert.Equal("Manual", run.GetProperty("trigger").GetString());
        Assert.Equal(["Describe cluster", "Describe service"], run.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var single = await _client.GetFromJsonAsync<JsonElement>($"api/runs/{runId}");
        Assert.Equal(runId, single.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Second_run_now_inside_the_cooldown_is_429_with_retry_after()
    {
        var first = await _client.PostAsync("api/probes/cooldown-probe/run", null);
        var second = await _client.PostAsync("api/probes/cooldown-probe/run", null);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await AssertProblemAsync(second, HttpStatusCode.TooManyRequests, "try again");
        Assert.InRange(second.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 10);
    }

    [Theory]
    [InlineData("api/probes/nope/run", "POST")]
    [InlineData("api/probes/nope/runs", "GET")]
    [InlineData("api/probes/nope", "GET")]
    [InlineData("api/runs/nope", "GET")]
    public async Task Unknown_probe_or_run_is_404_problem(string path, string method)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "nope");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=-3", "limit")]
    [InlineData("before=yesterday", "before")]
    public async Task Bad_runs_query_is_400_problem_naming_the_parameter(string query, string parameter)
    {
        var response = await _client.GetAsync($"api/probes/ecs/runs?{query}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, parameter);
    }

    [Theory]
    [InlineData("""{"mode":"sideways"}""", "mode must be exactly one of")]
    [InlineData("""{"mode":"none,down"}""", "mode must be exactly one of")]
    [InlineData("""{"mode":"1"}""", "mode must be exactly one of")]
    [InlineData("""{"mode":"slow"}""", "latencyMs")]
    [InlineData("""{"mode":"slow","latencyMs":-5}""", "latencyMs")]
    [InlineData("""{"mode":"errors","errorRate":1.5}""", "errorRate")]
    [InlineData("""{"mode":"errors","errorRate":"half"}""", "errorRate")]
    [InlineData("""{"latencyMs":100}""", "mode")]
    [InlineData("""not json""", "request body as JSON")]
    [InlineData("""[1,2]""", "request body as JSON")]
    [InlineData("""{"mode":"slow","latencyMs":1.5}""", "latencyMs")]
    public async Task Bad_fault_body_is_400_problem_and_changes_nothing(string body, string expected)
    {
        var before = fixture.Host.Get<FaultInjector>().Get(SandboxComponents.DynamoDb);

        var response = await _client.PutAsync("api/sandbox/faults/dynamodb", new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
        Assert.Equal(before, fixture.Host.Get<FaultInjector>().Get(SandboxComponents.DynamoDb));
    }

    [Fact]
    public async Task Fault_api_sets_reads_and_clears_a_fault()
    {
        var put = await _client.PutAsync("api/sandbox/faults/cloudwatch",
            new StringContent("""{"mode":"slow","latencyMs":1500}""", Encoding.UTF8, "application/json"));
        var faults = await _client.GetFromJsonAsync<JsonElement>("api/sandbox/faults");
        var cleared = await _client.PutAsync("api/sandbox/faults/cloudwatch", new StringContent("""{"mode":"none"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("slow", faults.GetProperty("cloudwatch").GetProperty("mode").GetString());
        Assert.Equal(1500, faults.GetProperty("cloudwatch").GetProperty("latencyMs").GetInt32());
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(FaultMode.None, fixture.Host.Get<FaultInjector>().Get(SandboxComponents.CloudWatch).Mode);
        await AssertProblemAsync(await _client.PutAsync("api/sandbox/faults/redis", new StringContent("""{"mode":"down"}""", Encoding.UTF8, "application/json")),
            HttpStatusCode.NotFound, "redis");
    }

    [Fact]
    public async Task Uptime_lists_the_four_windows_and_an_unknown_probe_is_404()
    {
        using var recorder = new FeedRecorder(fixture.Host.Get<ProbeStatusFeed>());
        await fixture.Host.RunProbeAsync("hermes");

        var uptime = await _client.GetFromJsonAsync<JsonElement>("api/probes/hermes/uptime");
        var missing = await _client.GetAsync("api/probes/nope/uptime");

        Assert.Equal(["24h", "7d", "30d", "365d"], uptime.GetProperty("windows").EnumerateArray().Select(w => w.GetProperty("window").GetString()));
        var day = uptime.GetProperty("windows")[0];
        Assert.True(day.GetProperty("runs").GetInt32() >= 1);
        Assert.Equal(1.0, day.GetProperty("uptime").GetDouble());
        // By time: the run holds from its start, so a fresh probe's day is over seconds of data, since its first run.
        Assert.InRange(day.GetProperty("coveredSeconds").GetDouble(), 0, 24 * 3600 - 60);
        Assert.True(day.GetProperty("since").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        await AssertProblemAsync(missing, HttpStatusCode.NotFound, "nope");
    }

    [Fact]
    public async Task Health_and_alive_answer_healthy()
    {
        Assert.Equal("Healthy", await _client.GetStringAsync("health"));
        Assert.Equal("Healthy", await _client.GetStringAsync("alive"));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>The API on the default store, SQLite (<c>PostgresApiTests</c>: the same on PostgreSQL).</summary>
public sealed class ApiTests(ApiHost fixture) : ApiTests<ApiHost>(fixture)
{
}
