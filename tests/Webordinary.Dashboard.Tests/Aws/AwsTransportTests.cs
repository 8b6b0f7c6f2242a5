using System.Net;
using System.Text.Json.Nodes;
using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>Wire format, paging, retries and error parsing, against a local scripted endpoint.</summary>
public sealed class AwsTransportTests
{
    private const string Throttled = """{"__type":"com.amazonaws.ecs#ThrottlingException","message":"Rate exceeded"}""";
    private const string ClusterJson = """{"clusters":[{"clusterName":"c","clusterArn":"arn:aws:ecs:us-east-1:1:cluster/c","status":"ACTIVE","activeServicesCount":1,"runningTasksCount":2,"pendingTasksCount":0}],"failures":[]}""";

    static AwsTransportTests() => MotoServer.UseEnvironmentCredentials();

    private static AwsClients Clients(ScriptedHandler handler, int maxAttempts = 3) => new(new Dictionary<string, string?>
    {
        ["Aws:Region"] = "us-east-1",
        ["Aws:ServiceUrl"] = "http://aws.local.test/",
        ["Aws:MaxAttempts"] = maxAttempts.ToString(),
    }, handler);

    [Fact]
    public async Task Ecs_calls_are_awsjson_with_the_target_header_and_a_sigv4_signature()
    {
        var handler = new ScriptedHandler((_, _) => ScriptedHandler.Json(HttpStatusCode.OK, ClusterJson));

        var cluster = await Clients(handler).Ecs.DescribeClusterAsync("c", CancellationToken.None);

        var (request, body) = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("AmazonEC2ContainerServiceV20141113.DescribeClusters", request.Headers.GetValues("X-Amz-Target").Single());
        Assert.Equal("application/x-amz-json-1.1", Assert.Single(handler.ContentTypes));
        Assert.Equal("c", JsonNode.Parse(body)!["clusters"]![0]!.GetValue<string>());
        var authorization = Assert.Single(handler.Authorizations);
        Assert.StartsWith("AWS4-HMAC-SHA256 ", authorization);
        Assert.Contains($"Credential={MotoServer.AccessKey}/", authorization);
        Assert.Contains("/us-east-1/ecs/aws4_request", authorization);
        Assert.Contains("Signature=", authorization);
        Assert.DoesNotContain(MotoServer.SecretKey, authorization);
        Assert.Equal(2, cluster.RunningTasksCount);
    }

    [Fact]
    public async Task List_services_follows_next_token_across_pages()
    {
        var handler = new ScriptedHandler(
            (_, _) => ScriptedHandler.Json(HttpStatusCode.OK, """{"serviceArns":["arn:s/a","arn:s/b"],"nextToken":"page-2"}"""),
            (_, _) => ScriptedHandler.Json(HttpStatusCode.OK, """{"serviceArns":["arn:s/c"]}"""));

        var arns = await Clients(handler).Ecs.ListServicesAsync("c", CancellationToken.None);

        Assert.Equal(["arn:s/a", "arn:s/b", "arn:s/c"], arns);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Null(JsonNode.Parse(handler.Requests[0].Body)!["nextToken"]);
        Assert.Equal("page-2", JsonNode.Parse(handler.Requests[1].Body)!["nextToken"]!.GetValue<string>());
    }

    [Fact]
    public async Task Throttling_twice_then_success_is_one_successful_call()
    {
        var handler = new ScriptedHandler(
            (_, _) => ScriptedHandler.Json(HttpStatusCode.BadRequest, Throttled),
            (_, _) => ScriptedHandler.Json(HttpStatusCode.BadRequest, Throttled),
            (_, _) => ScriptedHandler.Json(HttpStatusCode.OK, ClusterJson));

        var cluster = await Clients(handler).Ecs.DescribeClusterAsync("c", CancellationToken.None);

        Assert.Equal("c", cluster.Name);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task Server_errors_are_retried_up_to_the_limit_then_reported()
    {
        var handler = new ScriptedHandler((_, _) => ScriptedHandler.Json(HttpStatusCode.ServiceUnavailable,
            """{"__type":"ServerException","message":"try later"}""", "req-503"));

        var error = await Assert.ThrowsAsync<PlatformCallException>(() => Clients(handler, maxAttempts: 3).Ecs.DescribeClusterAsync("c", CancellationToken.None));

        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal("ServerException", error.ErrorCode);
        Assert.Equal(503, error.HttpStatus);
        Assert.Equal("req-503", error.RequestId);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_carries_code_message_status_and_request_id()
    {
        var handler = new ScriptedHandler((_, _) => ScriptedHandler.Json(HttpStatusCode.BadRequest,
            """{"__type":"com.amazonaws.ecs#InvalidParameterException","message":"desiredCount is bad"}""", "req-400"));

        var error = await Assert.ThrowsAsync<PlatformCallException>(() => Clients(handler).Ecs.UpdateDesiredCountAsync("c", "s", -1, CancellationToken.None));

        Assert.Single(handler.Requests);
        Assert.Equal("ecs", error.Service);
        Assert.Equal("UpdateService", error.Operation);
        Assert.Equal("InvalidParameterException", error.ErrorCode);
        Assert.Equal("desiredCount is bad", error.ErrorMessage);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("req-400", error.RequestId);
    }

    [Fact]
    public async Task Query_errors_are_read_from_the_error_response_xml()
    {
        var handler = new ScriptedHandler((_, _) => ScriptedHandler.Xml(HttpStatusCode.BadRequest,
            """<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized</Message></Error><RequestId>req-xml</RequestId></ErrorResponse>""",
            requestId: null));

        var error = await Assert.ThrowsAsync<PlatformCallException>(() => Clients(handler).Elb.DescribeLoadBalancersAsync(CancellationToken.None));

        var (_, body) = Assert.Single(handler.Requests);
        Assert.Contains("Action=DescribeLoadBalancers", body);
        Assert.Contains("Version=2015-12-01", body);
        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Equal("User is not authorized", error.ErrorMessage);
        Assert.Equal("req-xml", error.RequestId);
        Assert.Contains("/elasticloadbalancing/aws4_request", Assert.Single(handler.Authorizations));
    }

    [Fact]
    public async Task A_call_that_hangs_is_cut_by_the_callers_token()
    {
        var hanging = new HangingHandler();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new AwsClients(new Dictionary<string, string?>
        {
            ["Aws:Region"] = "us-east-1",
            ["Aws:ServiceUrl"] = "http://aws.local.test/",
        }, hanging).Ecs.DescribeClusterAsync("c", cancel.Token));
    }

    [Fact]
    public async Task A_call_that_hangs_past_the_call_timeout_fails_with_call_timeout()
    {
        var clients = new AwsClients(new Dictionary<string, string?>
        {
            ["Aws:Region"] = "us-east-1",
            ["Aws:ServiceUrl"] = "http://aws.local.test/",
            ["Aws:CallTimeout"] = "00:00:00.300",
        }, new HangingHandler());

        var error = await Assert.ThrowsAsync<PlatformCallException>(() => clients.Ecs.DescribeClusterAsync("c", CancellationToken.None));

        Assert.Equal("CallTimeout", error.ErrorCode);
    }

    [Fact]
    public void Endpoints_prefer_a_per_service_override_then_the_shared_url_then_the_public_endpoint()
    {
        var clients = new AwsClients(new Dictionary<string, string?>
        {
            ["Aws:Region"] = "eu-west-1",
            ["Aws:ServiceUrl"] = "http://shared.test:4566",
            ["Aws:Endpoints:Ecs"] = "http://ecs.test:1234",
        });
        var publicOnly = new AwsClients(new Dictionary<string, string?> { ["Aws:Region"] = "eu-west-1" });

        Assert.Equal(new Uri("http://ecs.test:1234/"), clients.Transport.EndpointFor(AwsService.Ecs));
        Assert.Equal(new Uri("http://shared.test:4566/"), clients.Transport.EndpointFor(AwsService.CloudWatch));
        Assert.Equal(new Uri("https://monitoring.eu-west-1.amazonaws.com/"), publicOnly.Transport.EndpointFor(AwsService.CloudWatch));
    }

    private sealed class HangingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // Never answers: the call ends only when the transport cancels it.
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
