using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>
/// The SDK's standard retry mode for every client: which errors are retried, how many attempts, the backoff, the
/// retry quota, the clock-skew correction, no redirects; the hand-written clients through the transport, the
/// SDK's DynamoDB client through its own pipeline set to the same mode.
/// </summary>
public sealed class StandardRetryTests
{
    private const string ClusterJson = """{"clusters":[{"clusterName":"c","clusterArn":"arn:aws:ecs:us-east-1:1:cluster/c","status":"ACTIVE","activeServicesCount":1,"runningTasksCount":2,"pendingTasksCount":0}],"failures":[]}""";

    static StandardRetryTests() => MotoServer.UseEnvironmentCredentials();

    /// <summary>botocore's standard-mode throttling codes, as its retry handler lists them.</summary>
    public static TheoryData<string> ThrottlingCodes =>
    [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ];

    public static TheoryData<string> TransientCodes => ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"];

    [Theory]
    [MemberData(nameof(ThrottlingCodes))]
    public async Task Each_throttling_code_is_retried(string code) => await RetriedThenSucceedsAsync(HttpStatusCode.BadRequest, code);

    [Theory]
    [MemberData(nameof(TransientCodes))]
    public async Task Each_transient_code_is_retried(string code) => await RetriedThenSucceedsAsync(HttpStatusCode.BadRequest, code);

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Each_transient_status_is_retried_whatever_its_code(int status) => await RetriedThenSucceedsAsync((HttpStatusCode)status, "SomethingUnlisted");

    [Theory]
    [InlineData(400, "ValidationException")]
    [InlineData(400, "InvalidParameterException")]
    [InlineData(403, "AccessDeniedException")]
    [InlineData(501, "NotImplemented")]
    public async Task Other_errors_are_not_retried(int status, string code)
    {
        var handler = new ScriptedHandler((_, _) => Error((HttpStatusCode)status, code, "req-no-retry"));

        var error = await Assert.ThrowsAsync<PlatformCallException>(() => Clients(handler).Ecs.DescribeClusterAsync("c", CancellationToken.None));

        Assert.Single(handler.Requests);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal("req-no-retry", error.RequestId);
    }

    [Theory]
    [InlineData("Aws:MaxAttempts", "1", 1)]
    [InlineData("Aws:MaxAttempts", "3", 3)]
    [InlineData("Aws:MaxAttempts", "5", 5)]
    [InlineData("Aws:MaxRetries", "1", 2)]
    [InlineData(null, null, 3)]
    public async Task Attempts_are_max_attempts_in_all_the_first_included(string? key, string? value, int attempts)
    {
        var handler = new ScriptedHandler((_, _) => Error(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "req-503"));
        var settings = Settings();
        settings.Remove("Aws:MaxAttempts");
        if (key is not null)
        {
            settings[key] = value;
        }

        var error = await Assert.ThrowsAsync<PlatformCallException>(() => new AwsClients(settings, handler, environment: _ => null).Ecs.DescribeClusterAsync("c", CancellationToken.None));

        Assert.Equal(attempts, handler.Requests.Count);
        Assert.Equal("req-503", error.RequestId);
    }

    [Fact]
    public async Task The_retry_quota_stops_retries_once_spent_and_refills_on_success()
    {
        var failing = true;
        var handler = new ScriptedHandler((_, _) => failing ? Error(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "req") : Json(ClusterJson));
        var clients = Clients(handler);
        var quota = clients.Transport.QuotaOf(AwsService.Ecs);

        // 500 tokens, 5 a retry: 50 calls of 3 attempts spend them all.
        for (var i = 0; i < 50; i++)
        {
            await Assert.ThrowsAsync<PlatformCallException>(() => clients.Ecs.DescribeClusterAsync("c", CancellationToken.None));
        }

        var spent = handler.Requests.Count;
        await Assert.ThrowsAsync<PlatformCallException>(() => clients.Ecs.DescribeClusterAsync("c", CancellationToken.None));
        var withoutQuota = handler.Requests.Count - spent;
        failing = false;
        for (var i = 0; i < 5; i++)
        {
            await clients.Ecs.DescribeClusterAsync("c", CancellationToken.None);
        }

        var refilled = quota.Available;

        Assert.Equal(150, spent);
        Assert.Equal(1, withoutQuota);
        Assert.Equal(5, refilled);
        Assert.Equal(0, clients.Transport.QuotaOf(AwsService.Elb).Available - AwsRetryQuota.Capacity);
    }

    [Fact]
    public async Task A_retry_after_a_timeout_costs_ten_and_a_success_gives_back_what_its_retry_took()
    {
        AwsRetryQuota? quota = null;
        int? duringRetry = null;
        var handler = new ScriptedHandler(
            (_, _) => throw new HttpRequestException("The operation timed out.", new TimeoutException()),
            (_, _) =>
            {
                duringRetry = quota!.Available;
                return Json(ClusterJson);
            });
        var clients = Clients(handler);
        quota = clients.Transport.QuotaOf(AwsService.Ecs);

        await clients.Ecs.DescribeClusterAsync("c", CancellationToken.None);

        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(AwsRetryQuota.Capacity - AwsRetryQuota.TimeoutRetryCost, duringRetry);
        Assert.Equal(AwsRetryQuota.Capacity, quota.Available);
    }

    [Fact]
    public void Backoff_is_full_jitter_over_two_to_the_retry_capped_at_20_seconds()
    {
        var top = new AwsRetryPolicy(3, () => 1);
        var half = new AwsRetryPolicy(3, () => 0.5);

        Assert.Equal([1, 2, 4, 8, 16, 20, 20], Enumerable.Range(0, 7).Select(i => top.Backoff(i).TotalSeconds));
        Assert.Equal(0.5, half.Backoff(0).TotalSeconds);
        Assert.Equal(10, half.Backoff(10).TotalSeconds);
        Assert.Equal(TimeSpan.Zero, new AwsRetryPolicy(3, () => 0).Backoff(4));
    }

    [Fact]
    public async Task The_next_attempt_waits_its_backoff_on_the_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(
            (_, _) =>
            {
                first.TrySetResult();
                return Error(HttpStatusCode.BadRequest, "ThrottlingException", "req-1");
            },
            (_, _) =>
            {
                second.TrySetResult();
                return Json(ClusterJson);
            });
        var clock = new TimerSignallingClock(time);
        var clients = new AwsClients(Settings(), handler, clock, jitter: () => 1);

        var call = clients.Ecs.DescribeClusterAsync("c", CancellationToken.None);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(20));
        // The call's first timer is its Aws:CallTimeout; the second is the backoff. Move the clock once it sleeps.
        await clock.TimerCreated(2).WaitAsync(TimeSpan.FromSeconds(20));
        time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Yield();
        var earlyCount = handler.Requests.Count;
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await call.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, earlyCount);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task A_skewed_date_is_learnt_and_the_next_attempt_signs_with_the_corrected_clock()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var server = now.AddMinutes(20);
        var time = new FakeTimeProvider(now);
        var handler = new ScriptedHandler(
            (_, _) => WithDate(Error(HttpStatusCode.BadRequest, "InvalidSignatureException",
                "req-skew", "Signature expired: 20261201T120000Z is now earlier than 20261201T121500Z (20261201T122000Z - 5 min.)"), server),
            (_, _) => WithDate(Json(ClusterJson), server),
            (_, _) => WithDate(Json(ClusterJson), server));
        var clients = new AwsClients(Settings(), handler, time);

        await clients.Ecs.DescribeClusterAsync("c", CancellationToken.None);
        await clients.Ecs.DescribeClusterAsync("c", CancellationToken.None);

        Assert.Equal(["20261201T120000Z", "20261201T122000Z", "20261201T122000Z"],
            handler.Requests.Select(r => r.Request.Headers.GetValues("X-Amz-Date").Single()));
        Assert.Equal(TimeSpan.FromMinutes(20), clients.Transport.SkewOf(clients.Transport.EndpointFor(AwsService.Ecs)));
        Assert.Equal(AwsRetryQuota.Capacity, clients.Transport.QuotaOf(AwsService.Ecs).Available);
    }

    [Fact]
    public async Task A_clock_skew_error_the_date_does_not_explain_is_not_retried()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var handler = new ScriptedHandler((_, _) => WithDate(Error(HttpStatusCode.BadRequest, "InvalidSignatureException", "req-sig",
            "The request signature we calculated does not match the signature you provided."), now));

        var error = await Assert.ThrowsAsync<PlatformCallException>(() =>
            new AwsClients(Settings(), handler, new FakeTimeProvider(now)).Ecs.DescribeClusterAsync("c", CancellationToken.None));

        Assert.Single(handler.Requests);
        Assert.Equal("InvalidSignatureException", error.ErrorCode);
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_fails_naming_where_it_pointed()
    {
        var followed = 0;
        await using var endpoint = await StubServer.StartAsync(app =>
        {
            app.MapPost("/", () => Results.Redirect("/elsewhere", permanent: false, preserveMethod: true));
            app.MapPost("/elsewhere", () =>
            {
                Interlocked.Increment(ref followed);
                return Results.Text(ClusterJson, "application/x-amz-json-1.1");
            });
        });
        // The production handler: no scripted one.
        var clients = new AwsClients(new Dictionary<string, string?> { ["Aws:Region"] = "us-east-1", ["Aws:ServiceUrl"] = endpoint.Urls.First() });

        var error = await Assert.ThrowsAsync<PlatformCallException>(() => clients.Ecs.DescribeClusterAsync("c", CancellationToken.None));

        Assert.Equal("Redirect", error.ErrorCode);
        Assert.Equal(307, error.HttpStatus);
        Assert.Contains("/elsewhere", error.ErrorMessage);
        Assert.Equal(0, followed);
    }

    [Fact]
    public async Task The_sdks_dynamodb_client_retries_in_the_same_mode_and_reports_what_it_gave_up_on()
    {
        var deletes = 0;
        var validations = 0;
        await using var dynamo = await StubServer.StartAsync(app => app.MapPost("/", (HttpRequest request) =>
        {
            var target = request.Headers["X-Amz-Target"].ToString();
            if (target.EndsWith(".DeleteItem", StringComparison.Ordinal))
            {
                return Interlocked.Increment(ref deletes) <= 2 ? DynamoError("ThrottlingException", "req-throttled") : Results.Text("{}", "application/x-amz-json-1.0");
            }

            Interlocked.Increment(ref validations);
            return DynamoError("ValidationException", "req-validation");
        }));
        var clients = new AwsClients(new Dictionary<string, string?>
        {
            ["Aws:Region"] = "us-east-1",
            ["Aws:Endpoints:DynamoDb"] = dynamo.Urls.First(),
            ["Aws:MaxAttempts"] = "3",
        }, environment: _ => null);
        var key = new Dictionary<string, object> { ["sessionId"] = "dashboard-probe-x" };

        await clients.DynamoDb.DeleteItemAsync("t", key, CancellationToken.None);
        var error = await Assert.ThrowsAsync<PlatformCallException>(() => clients.DynamoDb.GetItemAsync("t", key, CancellationToken.None));

        Assert.Equal(3, deletes);
        Assert.Equal(1, validations);
        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Equal("req-validation", error.RequestId);
        Assert.Equal(400, error.HttpStatus);
    }

    [Theory]
    [InlineData("Aws:MaxAttempts", "0", "Aws:MaxAttempts must be between 1 and 10")]
    [InlineData("Aws:MaxRetries", "12", "Aws:MaxRetries (the old name of Aws:MaxAttempts)")]
    public async Task Bad_attempts_stop_the_start_naming_the_key(string key, string value, string expected)
    {
        var settings = AwsModeSettings();
        settings[key] = value;

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        Assert.Contains(expected, ConfigurationErrors.Describe(exception));
    }

    [Fact]
    public async Task Both_the_old_and_the_new_attempts_key_stop_the_start_naming_the_new_one()
    {
        var settings = AwsModeSettings();
        settings["Aws:MaxRetries"] = "2";
        settings["Aws:MaxAttempts"] = "3";

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        Assert.Contains("Aws:MaxRetries is the old name of Aws:MaxAttempts", ConfigurationErrors.Describe(exception));
        Assert.Contains("Set only Aws:MaxAttempts", ConfigurationErrors.Describe(exception));
    }

    private static async Task RetriedThenSucceedsAsync(HttpStatusCode status, string code)
    {
        var handler = new ScriptedHandler(
            (_, _) => Error(status, code, "req-1"),
            (_, _) => Error(status, code, "req-2"),
            (_, _) => Json(ClusterJson));
        var clients = Clients(handler);

        var cluster = await clients.Ecs.DescribeClusterAsync("c", CancellationToken.None);

        Assert.Equal("c", cluster.Name);
        Assert.Equal(3, handler.Requests.Count);
        // Two retries took 5 each; the success gave back what the last one took.
        Assert.Equal(AwsRetryQuota.Capacity - 5, clients.Transport.QuotaOf(AwsService.Ecs).Available);
    }

    private static Dictionary<string, string?> Settings() => new()
    {
        ["Aws:Region"] = "us-east-1",
        ["Aws:ServiceUrl"] = "http://aws.local.test/",
        ["Aws:MaxAttempts"] = "3",
    };

    private static AwsClients Clients(ScriptedHandler handler) => new(Settings(), handler);

    private static Dictionary<string, string?> AwsModeSettings()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Platform:Mode"] = "Aws";
        settings["Aws:Region"] = "us-east-1";
        settings["Aws:AlbUrl"] = "http://127.0.0.1:9/";
        return settings;
    }

    private static HttpResponseMessage Error(HttpStatusCode status, string code, string requestId, string message = "scripted") =>
        ScriptedHandler.Json(status, $$"""{"__type":"com.amazonaws.ecs#{{code}}","message":"{{message}}"}""", requestId);

    private static HttpResponseMessage Json(string body) => ScriptedHandler.Json(HttpStatusCode.OK, body);

    private static HttpResponseMessage WithDate(HttpResponseMessage response, DateTimeOffset date)
    {
        response.Headers.Date = date;
        return response;
    }

    private static IResult DynamoError(string code, string requestId) => new DynamoErrorResult(code, requestId);

    /// <summary>A fake clock that says when its n-th timer is made (a delay or a timeout starts), so a test moves time only then.</summary>
    private sealed class TimerSignallingClock(FakeTimeProvider inner) : TimeProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, TaskCompletionSource> _created = new();
        private int _count;

        public Task TimerCreated(int n) => _created.GetOrAdd(n, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = inner.CreateTimer(callback, state, dueTime, period);
            _created.GetOrAdd(Interlocked.Increment(ref _count), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return timer;
        }
    }

    private sealed class DynamoErrorResult(string code, string requestId) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/x-amz-json-1.0";
            context.Response.Headers["x-amzn-RequestId"] = requestId;
            return context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                $$"""{"__type":"com.amazonaws.dynamodb.v20120810#{{code}}","message":"scripted {{code}}"}"""));
        }
    }
}
