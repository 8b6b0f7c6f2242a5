using System.Net.Http.Headers;
using System.Text;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>
/// A few hundred malformed requests — bodies, ids, query values, methods, content types, Host values — and not one
/// answer is a 5xx. Seeded, so a failure names the request and repeats.
/// </summary>
public sealed class FuzzTests(SecurityHost fixture) : IClassFixture<SecurityHost>
{
    private static readonly string[] Paths =
    [
        "api/probes", "api/probes/{id}", "api/probes/{id}/runs", "api/probes/{id}/run", "api/probes/run-all", "api/runs/{id}",
        "api/probes/{id}/uptime", "api/probes/{id}/export", "api/incidents", "api/uptime", "api/services",
        "api/services/{id}/scale", "api/audit", "api/schedules", "api/schedules/{id}/pause", "api/schedules/{id}/resume",
        "api/sandbox/faults", "api/sandbox/faults/{id}", "health", "alive", "", "probes/{id}", "services", "nope/{id}",
    ];

    private static readonly string[] Ids =
    [
        "ecs", "ECS", "nope", "", "%00", "%2e%2e%2f%2e%2e", "..", "a%2Fb", new string('x', 3000), "%F0%9F%92%A5", "'; DROP TABLE runs;--",
        "<script>", "%ff%fe", "webordinary-hermes-service", "park-evenings", "hermes", "-1", "1e309", "null",
    ];

    private static readonly string[] QueryValues =
    [
        "", "0", "-1", "201", "2147483648", "99999999999999999999", "1.5", "abc", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z",
        "2026-13-45", "1970-01-01", "2100-01-01T00:00:00+14:00", "%00", new string('9', 500), "csv", "json", "xml", "raw", "hour", "day", "NaN",
    ];

    private static readonly string[] QueryNames = ["limit", "before", "from", "to", "format", "resolution", "probe", "service", "actor", "action"];

    private static readonly string[] Bodies =
    [
        "", "{", "}", "[]", "null", "0", "\"x\"", """{"desiredCount":null}""", """{"desiredCount":-1}""", """{"desiredCount":2147483648}""",
        """{"desiredCount":1e400}""", """{"desiredCount":"1"}""", """{"desiredCount":[1]}""", """{"mode":null}""", """{"mode":"down","latencyMs":1e10}""",
        """{"mode":"slow","latencyMs":-2147483649}""", """{"mode":"errors","errorRate":"NaN"}""", """{"mode":"errors","errorRate":1e308}""",
        """{"mode":"\u0000"}""", "{\"a\":" + new string('[', 5000) + new string(']', 5000) + "}", "\u00ff\u00fe", """{"mode":"down"}""",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-16", "application/json; charset=nope", "text/plain", "application/xml",
        "application/x-www-form-urlencoded", "multipart/form-data", "application/problem+json", "*/*", "",
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND"];

    [Fact]
    public async Task Malformed_requests_never_get_a_5xx()
    {
        var random = new Random(20261201);
        using var http = fixture.Host.CreateClient();
        var failures = new List<string>();
        for (var i = 0; i < 400; i++)
        {
            var path = Pick(random, Paths).Replace("{id}", Pick(random, Ids), StringComparison.Ordinal);
            var query = string.Join("&", Enumerable.Range(0, random.Next(0, 3)).Select(_ => $"{Pick(random, QueryNames)}={Pick(random, QueryValues)}"));
            var method = Pick(random, Methods);
            using var request = new HttpRequestMessage(new HttpMethod(method), path + (query.Length > 0 ? "?" + query : ""));
            if (method is not ("GET" or "HEAD" or "TRACE") && random.Next(4) > 0)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Pick(random, Bodies)));
                if (Pick(random, ContentTypes) is { Length: > 0 } contentType)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }
            }

            if (random.Next(5) == 0)
            {
                request.Headers.TryAddWithoutValidation("Origin", random.Next(2) == 0 ? "null" : "http://evil.example");
            }

            if (random.Next(8) == 0)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
            }

            using var response = await http.SendAsync(request);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{method} {request.RequestUri} [{request.Content?.Headers.ContentType}] → {(int)response.StatusCode}: {Shorten(await response.Content.ReadAsStringAsync())}");
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task Malformed_request_lines_and_hosts_never_get_a_5xx()
    {
        string[] requests =
        [
            "GET / HTTP/1.1\r\nHost: evil.example:99999\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:abc\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n",
            "GET http://evil.example/api/probes HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "GET /api/probes HTTP/1.1\r\nHost: \u00e9vil.example\r\n\r\n",
            "GET /api/%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "BREW /api/probes HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "POST /api/probes/run-all HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
            "POST /api/probes/run-all HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "GET /api/probes/ecs/runs?limit=%%%% HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "GET /" + new string('a', 9000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        ];

        var failures = new List<string>();
        foreach (var request in requests)
        {
            var (status, _) = await RawHttp.SendAsync(fixture.Host.BaseAddress, request.Replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n", StringComparison.Ordinal));
            if (status is 0 or >= 500)
            {
                failures.Add($"{Shorten(request.Split("\r\n")[0])} ({Shorten(request.Split("\r\n").ElementAtOrDefault(1) ?? "")}) → {status}");
            }
        }

        Assert.Empty(failures);
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
