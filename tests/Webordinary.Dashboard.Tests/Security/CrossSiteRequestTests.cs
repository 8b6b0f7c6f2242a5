using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>
/// What a page on another origin can make the operator's browser send, as the browser sends it (its Origin and
/// Sec-Fetch-Site headers): refused with 403 before anything runs, and nothing changes. Programs that send neither
/// (curl, SDKs) are not browsers and are not affected.
/// </summary>
public sealed class CrossSiteRequestTests(SecurityHost fixture) : IClassFixture<SecurityHost>
{
    private const string ScalePath = $"api/services/{SecurityHost.Hermes}/scale";

    public static TheoryData<string, string, string?, string?, string?> CrossSiteRequests => new()
    {
        // method, path, body (text/plain as a form or a no-cors fetch sends it), Origin, Sec-Fetch-Site
        { "POST", ScalePath, """{"desiredCount":0,"x":"="}""", "http://127.0.0.1:1", "same-site" },
        { "POST", ScalePath, """{"desiredCount":0,"x":"="}""", "http://evil.example", "cross-site" },
        { "POST", ScalePath, """{"desiredCount":0}""", "null", "cross-site" },
        { "POST", ScalePath, """{"desiredCount":0}""", "null", null },
        { "POST", "api/probes/run-all", null, "http://evil.example", "cross-site" },
        { "POST", "api/probes/ecs/run", null, null, "cross-site" },
        { "POST", $"api/schedules/{SecurityHost.Schedule}/pause", "", "http://localhost:1", "same-site" },
        { "PUT", "api/sandbox/faults/hermes", """{"mode":"down"}""", "http://evil.example", null },
    };

    [Theory]
    [MemberData(nameof(CrossSiteRequests))]
    public async Task Cross_site_request_is_403_problem_and_changes_nothing(string method, string path, string? body, string? origin, string? fetchSite)
    {
        using var http = fixture.Host.CreateClient();
        using var request = AsBrowserSends(method, path, body, origin, fetchSite);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Cross-site", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        await fixture.AssertNothingChangedAsync();
    }

    /// <summary>A request as a browser sends it for a page: a text/plain body if any, its Origin and Sec-Fetch-Site when given.</summary>
    internal static HttpRequestMessage AsBrowserSends(string method, string path, string? body, string? origin, string? fetchSite)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        return request;
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task A_body_that_is_not_json_is_415_even_without_browser_headers(string contentType)
    {
        using var http = fixture.Host.CreateClient();
        var content = new StringContent("""{"desiredCount":0}""", Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        var scale = await http.PostAsync(ScalePath, content);
        var runAll = await http.PostAsync("api/probes/run-all", new StringContent("x=1", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, scale.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, runAll.StatusCode);
        await fixture.AssertNothingChangedAsync();
    }

    [Fact]
    public async Task Same_origin_requests_and_programs_without_browser_headers_are_served()
    {
        using var http = fixture.Host.CreateClient();
        var origin = fixture.Host.BaseAddress.GetLeftPart(UriPartial.Authority);
        using var sameOrigin = new HttpRequestMessage(HttpMethod.Post, ScalePath) { Content = JsonContent.Create(new { desiredCount = 1 }) };
        sameOrigin.Headers.Add("Origin", origin);
        sameOrigin.Headers.Add("Sec-Fetch-Site", "same-origin");

        var fromPage = await http.SendAsync(sameOrigin);
        var fromProgram = await http.PostAsJsonAsync(ScalePath, new { desiredCount = 1 });

        // Already at 1: accepted as no change, so the fixture's state stays as it started.
        Assert.Equal(HttpStatusCode.Accepted, fromPage.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, fromProgram.StatusCode);
        Assert.True((await fromPage.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("noChange").GetBoolean());
    }

    [Theory]
    [InlineData("hubs/status")]
    [InlineData("_blazor")]
    public async Task WebSocket_from_a_foreign_origin_is_refused_before_the_handshake(string path)
    {
        var url = new UriBuilder(fixture.Host.BaseAddress) { Scheme = "ws", Path = path }.Uri;
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", "http://evil.example");
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(url, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Theory]
    [InlineData("hubs/status/negotiate?negotiateVersion=1")]
    [InlineData("_blazor/negotiate?negotiateVersion=1")]
    public async Task Hub_negotiate_from_a_foreign_origin_is_403(string path)
    {
        using var http = fixture.Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Origin", "http://evil.example");

        var foreign = await http.SendAsync(request);
        var own = await http.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }
}
