using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>Security headers on pages and API answers; bounded bodies; HEAD and wrong methods; edge dates.</summary>
public sealed class HeadersAndLimitsTests(SecurityHost fixture) : IClassFixture<SecurityHost>
{
    private readonly HttpClient _http = fixture.Host.CreateClient();

    [Theory]
    [InlineData("/")]
    [InlineData("/services")]
    [InlineData("/api/probes")]
    [InlineData("/api/probes/nope")]
    [InlineData("/health")]
    public async Task Pages_and_api_answers_carry_the_security_headers(string path)
    {
        var response = await _http.GetAsync(path);

        var csp = Header(response, "Content-Security-Policy");
        Assert.Contains("script-src 'self' 'nonce-", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("connect-src 'self'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Contains("camera=()", Header(response, "Permissions-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        // Plain HTTP on loopback: HSTS would be ignored by browsers and is not sent.
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task The_pages_inline_scripts_carry_the_nonce_of_their_own_answer()
    {
        var response = await _http.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        var nonce = Header(response, "Content-Security-Policy").Split("'nonce-")[1].Split('\'')[0];
        var second = Header(await _http.GetAsync("/"), "Content-Security-Policy").Split("'nonce-")[1].Split('\'')[0];
        var inPage = System.Text.RegularExpressions.Regex.Match(html, "<script type=\"importmap\" nonce=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal(nonce, WebUtility.HtmlDecode(inPage));
        // The theme's first look (ThemeChoice.Script), and no other.
        var inline = System.Text.RegularExpressions.Regex.Matches(html, "<script (?:type=\"importmap\" )?nonce=\"([^\"]+)\"");
        Assert.Equal(2, inline.Count);
        Assert.All(inline, script => Assert.Equal(nonce, WebUtility.HtmlDecode(script.Groups[1].Value)));
        Assert.NotEqual(nonce, second);
        Assert.DoesNotContain("<script>", html);
    }

    [Fact]
    public async Task A_body_over_64_KB_is_413_whether_its_length_is_declared_or_chunked()
    {
        var declared = await _http.PostAsync($"api/services/{SecurityHost.Hermes}/scale",
            new StringContent(new string(' ', 70_000) + """{"desiredCount":0}""", Encoding.UTF8, "application/json"));
        using var chunked = new HttpRequestMessage(HttpMethod.Put, "api/sandbox/faults/hermes")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"mode\":\"down\"" + new string(' ', 70_000) + "}"))),
        };
        chunked.Content.Headers.ContentType = new("application/json");
        chunked.Headers.TransferEncodingChunked = true;

        var streamed = await _http.SendAsync(chunked);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal("application/problem+json", streamed.Content.Headers.ContentType?.MediaType);
        await fixture.AssertNothingChangedAsync();
    }

    [Fact]
    public async Task A_body_that_stalls_is_408()
    {
        var (status, head) = await RawHttp.SendAsync(fixture.Host.BaseAddress,
            $"POST /api/services/{SecurityHost.Hermes}/scale HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"desi");

        Assert.Equal(408, status);
        Assert.Contains("application/problem+json", head);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/probes")]
    [InlineData("/api/probes/ecs/runs")]
    [InlineData("/alive")]
    public async Task Head_is_answered_wherever_get_is_without_a_body(string path)
    {
        var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal((await _http.GetAsync(path)).Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("DELETE", "/api/probes")]
    [InlineData("PUT", "/api/probes/run-all")]
    [InlineData("PATCH", "/api/probes/ecs/run")]
    [InlineData("POST", "/api/sandbox/faults/hermes")]
    public async Task A_wrong_method_is_405_problem(string method, string path)
    {
        var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("to=0001-01-01T00:00:00Z")]
    [InlineData("from=0001-01-01T00:00:00Z")]
    [InlineData("from=9999-12-31T23:59:59Z&to=9999-12-31T23:59:59Z")]
    [InlineData("to=1969-12-31T23:59:59Z")]
    public async Task Export_with_an_edge_date_is_400(string query)
    {
        var response = await _http.GetAsync($"api/probes/ecs/export?format=csv&{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("1970-01-01", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues) : "";
}
