using System.Net;
using System.Text;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Connectivity;

namespace Webordinary.Dashboard.Tests.Probes;

/// <summary>An HTTP error through the ALB: the ALB's own answer told from the target's, the target's reason read safely.</summary>
public sealed class GatewayAnswerTests
{
    private const string AlbPage = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n";

    [Fact]
    public async Task The_albs_own_503_reads_no_healthy_target()
    {
        using var response = Response(503, AlbPage, "text/html");
        response.Headers.TryAddWithoutValidation("Server", "awselb/2.0");

        var answer = await GatewayAnswer.ReadAsync(response, CancellationToken.None);

        Assert.Equal((true, (string?)null, (PlatformComponent?)null), (answer.FromLoadBalancer, answer.Reason, answer.Dependency));
        Assert.Equal("the ALB answered HTTP 503: no healthy target behind the ALB", answer.Describe());
    }

    [Fact]
    public async Task Hermes_own_503_names_its_reason_and_the_dependency_it_names()
    {
        using var response = Response(503, """{"error":"Session table unavailable"}""", "application/json");
        response.Headers.TryAddWithoutValidation("Server", "Kestrel");
        response.Headers.TryAddWithoutValidation(GatewayAnswer.TargetHeader, "task-0001");

        var answer = await GatewayAnswer.ReadAsync(response, CancellationToken.None);

        Assert.False(answer.FromLoadBalancer);
        Assert.Equal("Hermes answered HTTP 503: Session table unavailable (a failure of what Hermes needs: DynamoDB)", answer.Describe());
    }

    [Fact]
    public void A_target_header_outweighs_the_albs_server_name_and_an_html_page_without_a_server_is_the_albs()
    {
        using var proxied = Response(502, AlbPage, "text/html");
        proxied.Headers.TryAddWithoutValidation("Server", "awselb/2.0");
        proxied.Headers.TryAddWithoutValidation(GatewayAnswer.TargetHeader, "task-0001");
        using var bare = Response(502, AlbPage, "text/html");
        using var json = Response(500, """{"message":"boom"}""", "application/json");

        Assert.False(GatewayAnswer.IsFromLoadBalancer(proxied));
        Assert.True(GatewayAnswer.IsFromLoadBalancer(bare));
        Assert.False(GatewayAnswer.IsFromLoadBalancer(json));
    }

    [Theory]
    [InlineData("""{"error":{"message":"nested reason"}}""", "application/json", "nested reason")]
    [InlineData("plain\r\nreason\tsplit", "text/plain", "plain reason split")]
    [InlineData("<html><body>page</body></html>", "text/html", null)]
    [InlineData("""{"status":"bad"}""", "application/json", null)]
    [InlineData("bidi\u202Eoverride\u0007bell", "text/plain", "bidi override bell")]
    public void The_reason_is_one_clean_line_and_never_a_page(string body, string mediaType, string? expected) =>
        Assert.Equal(expected, GatewayAnswer.ReasonIn(body, mediaType));

    [Fact]
    public async Task A_long_body_is_read_and_quoted_only_so_far()
    {
        using var response = Response(500, new string('x', 1_000_000), "text/plain");
        response.Headers.TryAddWithoutValidation(GatewayAnswer.TargetHeader, "task-0001");

        var answer = await GatewayAnswer.ReadAsync(response, CancellationToken.None);

        Assert.Equal(GatewayAnswer.MaxReasonLength, answer.Reason!.Length);
        Assert.EndsWith("…", answer.Reason);
    }

    [Theory]
    [InlineData("Session table unavailable", PlatformComponent.DynamoDb)]
    [InlineData("DynamoDB throttled", PlatformComponent.DynamoDb)]
    [InlineData("EFS mount failed", PlatformComponent.Efs)]
    [InlineData("Hermes unstable", null)]
    [InlineData("Internal error", null)]
    public void A_dependency_is_named_only_when_the_reason_names_it(string reason, PlatformComponent? expected) =>
        Assert.Equal(expected, GatewayAnswer.DependencyNamedIn(reason));

    private static HttpResponseMessage Response(int status, string body, string mediaType) =>
        new((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
}
