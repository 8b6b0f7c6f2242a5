using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Api;

/// <summary>
/// Thousands of requests generated from <c>/openapi/v1.json</c> — every operation, its path ids, query values and
/// bodies shaped by its schema (wrong types, huge and non-finite numbers, durations and times beyond the calendar,
/// duplicate and unknown fields, broken JSON), other methods, content types and charsets — against the in-process
/// dashboard: not one answer is a 5xx, and every answer of a documented operation is a status the document lists for
/// it. Seeded: a failure names the request, and the same run repeats it.
/// </summary>
public sealed class GeneratedRequestFuzzTests(SecurityHostForOpenApi fixture) : IClassFixture<SecurityHostForOpenApi>
{
    private const int Requests = 5_000;
    private const int Seed = 20_261_207;

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

    /// <summary>Path ids, escaped when put in the path; none that routing would read as another path (empty, dot segments).</summary>
    private static readonly string[] Ids =
    [
        AttackTarget.Probe, AttackTarget.Hermes, AttackTarget.Schedule, "nope", "ECS", "efs", "hermes", "dynamodb", "ec2", "inbox-webhook",
        "x", "1", "-1", "0", "99999999999999999999", "1e400", "NaN", "adhoc-000000000000", "fuzz-key", " ", "a/b", "\u0000", "💥",
        "<script>", "'; DROP TABLE runs;--", new string('x', 300), "2026-12-01T00:00:00Z",
    ];

    private static readonly string[] QueryValues =
    [
        "", "0", "-1", "1", "20", "201", "1000", "1001", "2147483648", "99999999999999999999", "1e400", "NaN", "Infinity", "1.5", "abc",
        "csv", "json", "raw", "hour", "day", "xml", "Dead", "Pending", "RunNow", "Scale", "nope", AttackTarget.Probe, AttackTarget.Hermes, "local",
        "2026-12-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z", "2026-13-45", "1969-12-31T23:59:59Z", "\u0000",
        new string('9', 300),
    ];

    /// <summary>JSON values as written: numbers beyond every type, non-finite ones (the literals are not JSON at all), wrong types.</summary>
    private static readonly string[] Numbers =
    [
        "0", "1", "2", "3", "-1", "1.5", "2147483647", "-2147483648", "2147483648", "99999999999999999999", "1e308", "1e400", "-1e400",
        "NaN", "Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"", "\"1\"", "\"0.5\"", "0.5", "null",
    ];

    private static readonly string[] Durations =
    [
        "\"01:00:00\"", "\"00:00:30\"", "\"00:01:00\"", "\"7.00:00:00\"", "\"7.00:00:01\"", "\"2914000.00:00:00\"", "\"-2914000.00:00:00\"",
        "\"10675199.02:48:05.4775807\"", "\"-10675199.02:48:05.4775808\"", "\"-00:01:00\"", "\"1:2:3\"", "\"P1D\"", "\"\"", "3600", "null",
    ];

    private static readonly string[] Times =
    [
        "\"2026-12-08T00:00:00Z\"", "\"2099-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59.9999999Z\"", "\"0001-01-01T00:00:00Z\"",
        "\"1970-01-01T00:00:00+14:00\"", "\"not a time\"", "\"2026-13-45\"", "0", "null",
    ];

    private static readonly string[] Words =
    [
        "\"down\"", "\"slow\"", "\"errors\"", "\"throttle\"", "\"none\"", "\"openrule\"", "\"none,down\"", "\"Viewer\"", "\"Operator\"", "\"Admin\"",
        "\"viewer\"", "\"Root\"", "\"fuzz-key\"", "\"patching\"", "\"ECS\"", "\"Hermes\"", "\"\"", "\" \"", "\"\\u0000\"", "\"💥\"",
        $"\"{new string('r', 201)}\"", "1", "true", "null", "[]", "{}",
    ];

    private static readonly string[] Arrays =
    [
        "[]", "[\"ecs\"]", "[\"nope\"]", "[\"ECS\",\"Hermes\"]", "[\"Mainframe\"]", "[1,2]", "[null]", "\"ecs\"", "null",
        "[" + string.Join(",", Enumerable.Range(0, 150).Select(i => $"\"probe-{i}\"")) + "]",
    ];

    private static readonly string[] NotObjects = ["", "{", "}", "[]", "null", "0", "\"x\"", "[1,2]", "{\"a\":" + new string('[', 3000) + new string(']', 3000) + "}"];

    private static readonly (string? Type, Encoding Encoding)[] ContentTypes =
    [
        ("application/json; charset=utf-8", Encoding.UTF8), ("application/json; charset=UTF-8", Encoding.UTF8), ("application/problem+json", Encoding.UTF8),
        ("application/json; charset=utf-16", Encoding.Unicode), ("application/json; charset=ebcdic", Encoding.UTF8), ("application/json; charset=utf-7", Encoding.UTF8),
        ("application/json; charset=x-nope", Encoding.UTF8), ("application/json; charset=\"\"", Encoding.UTF8), ("text/plain", Encoding.UTF8),
        ("application/x-www-form-urlencoded", Encoding.UTF8), ("multipart/form-data; boundary=x", Encoding.UTF8), ("application/xml", Encoding.UTF8), (null, Encoding.UTF8),
    ];

    [Fact]
    public async Task Requests_generated_from_the_document_get_no_5xx_and_only_statuses_it_lists()
    {
        using var http = fixture.Host.CreateClient();
        var document = JsonNode.Parse(await http.GetStringAsync("openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();
        var operations = paths.SelectMany(path => path.Value!.AsObject().Select(op => (Path: path.Key, Method: op.Key.ToUpperInvariant()))).ToList();
        var random = new Random(Seed);
        var failures = new List<string>();
        var checkedAgainstDocument = 0;
        var seen = new HashSet<int>();

        for (var i = 0; i < Requests; i++)
        {
            var (path, documentedMethod) = operations[random.Next(operations.Count)];
            var method = random.Next(10) == 0 ? Methods[random.Next(Methods.Length)] : documentedMethod;
            var operation = paths[path]![method.ToLowerInvariant()];
            var url = Url(path, operation ?? paths[path]![documentedMethod.ToLowerInvariant()]!, random);
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            var body = operation?["requestBody"] is { } requestBody ? Body(requestBody, document, random) : null;
            if (body is not null)
            {
                var (contentType, encoding) = random.Next(4) > 0 ? ("application/json", Encoding.UTF8) : ContentTypes[random.Next(ContentTypes.Length)];
                request.Content = new ByteArrayContent(encoding.GetBytes(body));
                if (contentType is not null)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }
            }

            using var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            seen.Add(status);
            var listed = operation?["responses"]?.AsObject() is { } responses
                && (responses.ContainsKey(status.ToString(CultureInfo.InvariantCulture)) || responses.ContainsKey("default"));
            checkedAgainstDocument += operation is null ? 0 : 1;
            if (status >= 500 || (operation is not null && !listed))
            {
                failures.Add($"#{i} {method} {url} [{request.Content?.Headers.ContentType}] {Shorten(body)} → {status}{(status >= 500 ? "" : " (not listed)")}: " +
                    Shorten(await response.Content.ReadAsStringAsync()));
            }
        }

        Assert.True(checkedAgainstDocument > Requests * 8 / 10, $"only {checkedAgainstDocument} requests were of documented operations");
        // The requests reach the handlers, not only the checks in front of them.
        Assert.Empty(new[] { 200, 201, 202, 400, 404, 413, 415 }.Except(seen));
        Assert.True(failures.Count == 0, $"{failures.Count} of {Requests}:\n{string.Join("\n", failures.Take(30))}");
    }

    private static string Url(string path, JsonNode operation, Random random)
    {
        var url = new StringBuilder();
        foreach (var segment in path.TrimStart('/').Split('/'))
        {
            url.Append(segment.StartsWith('{') ? Uri.EscapeDataString(Pick(random, Ids)) : segment).Append('/');
        }

        var query = new List<string>();
        foreach (var parameter in (operation["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "query"))
        {
            for (var times = random.Next(10) == 0 ? 2 : 1; times > 0 && random.Next(10) < 7; times--)
            {
                query.Add($"{parameter!["name"]}={Uri.EscapeDataString(Pick(random, QueryValues))}");
            }
        }

        if (random.Next(10) == 0)
        {
            query.Add($"unknown={Uri.EscapeDataString(Pick(random, QueryValues))}");
        }

        return url.ToString().TrimEnd('/') + (query.Count > 0 ? "?" + string.Join("&", query) : "");
    }

    /// <summary>A body shaped like the schema, each property a value of its kind or (sometimes) of another; sometimes mangled.</summary>
    private static string Body(JsonNode requestBody, JsonNode document, Random random)
    {
        switch (random.Next(40))
        {
            case 0:
            case 1:
                return Pick(random, NotObjects);
            case 2:
                return "{\"reason\":\"" + new string('x', 70 * 1024) + "\"}";
        }

        var schema = requestBody["content"]?["application/json"]?["schema"];
        if (schema?["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = document["components"]!["schemas"]![reference.Split('/')[^1]];
        }

        var properties = new List<string>();
        foreach (var (name, property) in schema?["properties"]?.AsObject() ?? [])
        {
            if (random.Next(5) > 0)
            {
                properties.Add($"\"{name}\":{Value(name, property, random)}");
            }
        }

        if (properties.Count > 0 && random.Next(20) == 0)
        {
            properties.Add(properties[random.Next(properties.Count)]);
        }

        if (random.Next(20) == 0)
        {
            properties.Insert(random.Next(properties.Count + 1), $"\"isAdmin\":{Pick(random, Words)}");
        }

        return "{" + string.Join(",", properties) + "}";
    }

    private static string Value(string name, JsonNode? property, Random random)
    {
        if (random.Next(8) == 0)
        {
            return Pick(random, Pick(random, new[] { Numbers, Words, Arrays, Times }));
        }

        var types = property?["type"] is JsonArray array ? array.Select(t => t!.GetValue<string>()).ToList() : [property?["type"]?.GetValue<string>() ?? ""];
        return types switch
        {
            _ when property?["pattern"] is not null && name.Contains("duration", StringComparison.OrdinalIgnoreCase) => Pick(random, Durations),
            _ when property?["format"]?.GetValue<string>() == "date-time" => Pick(random, Times),
            _ when types.Contains("integer") || types.Contains("number") => Pick(random, Numbers),
            _ when types.Contains("array") => Pick(random, Arrays),
            _ when types.Contains("boolean") => random.Next(2) == 0 ? "true" : "false",
            _ => Pick(random, Words),
        };
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 160 ? text : text[..160] + "…";
}
