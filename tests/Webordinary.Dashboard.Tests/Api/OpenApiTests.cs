using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Api;

/// <summary>The OpenAPI document describes every API endpoint, and requests generated from it never get a 5xx.</summary>
public sealed class OpenApiTests(SecurityHostForOpenApi fixture) : IClassFixture<SecurityHostForOpenApi>
{
    [Fact]
    public async Task Every_mapped_api_route_is_in_the_document_with_its_methods()
    {
        using var http = fixture.Host.CreateClient();
        var document = await http.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        var paths = document.GetProperty("paths");

        var mapped = fixture.Host.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true && !e.RoutePattern.RawText.StartsWith("/api/docs", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: e.RoutePattern.RawText!.TrimEnd('/'), Method: m)))
            .ToList();

        Assert.True(mapped.Count >= 20, $"only {mapped.Count} API endpoints found");
        foreach (var (path, method) in mapped)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the document");
            Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out _), $"{method} {path} is not in the document");
        }

        // Every operation says what it does and which problems it answers with, as ProblemDetails.
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                Assert.True(operation.Value.TryGetProperty("summary", out _), $"{name} has no summary");
                var responses = operation.Value.GetProperty("responses");
                foreach (var status in new[] { "400", "401", "403" })
                {
                    Assert.True(responses.TryGetProperty(status, out var problem), $"{name} does not document {status}");
                    Assert.True(problem.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{name}'s {status} is not ProblemDetails");
                }

                if (operation.Value.TryGetProperty("requestBody", out _))
                {
                    Assert.True(responses.TryGetProperty("415", out _), $"{name} takes a body but does not document 415");
                }
            }
        }

        Assert.Equal("Webordinary Dashboard API", document.GetProperty("info").GetProperty("title").GetString());
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task Requests_generated_from_the_document_never_get_a_5xx()
    {
        using var http = fixture.Host.CreateClient();
        var document = JsonNode.Parse(await http.GetStringAsync("openapi/v1.json"))!;
        var random = new Random(19);
        var failures = new List<string>();
        var sent = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                for (var i = 0; i < 12; i++)
                {
                    var url = Fill(path, operation!, random);
                    using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url.TrimStart('/'));
                    var json = operation!["requestBody"] is { } body ? Body(body, document, random) : null;
                    if (json is not null)
                    {
                        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                    }

                    using var response = await http.SendAsync(request);
                    sent++;
                    if ((int)response.StatusCode >= 500)
                    {
                        failures.Add($"{method.ToUpperInvariant()} {url} {json} → {(int)response.StatusCode}");
                    }
                }
            }
        }

        Assert.True(sent > 200, $"only {sent} requests");
        Assert.Empty(failures);
    }

    private static readonly string[] Words = ["ecs", "nope", "webordinary-hermes-service", "park-evenings", "hermes", "dynamodb", "x", "%2e%2e", "", "-1", "2026-12-01T00:00:00Z"];

    private static readonly JsonNode?[] Values =
        [null, "", "x", "down", "slow", "Viewer", "Admin", "none,down", 0, -1, 1, 2, 3, 2147483647, 1.5, 1e300, true, new JsonArray(), new JsonObject()];

    private static string Fill(string path, JsonNode operation, Random random)
    {
        var url = new StringBuilder();
        foreach (var segment in path.Split('/'))
        {
            url.Append(segment.StartsWith('{') ? Uri.EscapeDataString(Words[random.Next(Words.Length)]) : segment).Append('/');
        }

        var query = (operation["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "query" && random.Next(3) > 0)
            .Select(p => $"{p!["name"]}={Uri.EscapeDataString(Words[random.Next(Words.Length)] + (random.Next(4) == 0 ? "0" : ""))}");
        return url.ToString().TrimEnd('/') + (query.Any() ? "?" + string.Join("&", query) : "");
    }

    /// <summary>A body shaped like the schema, with each property a random value (some of the wrong type); sometimes not JSON at all.</summary>
    private static string Body(JsonNode body, JsonNode document, Random random)
    {
        if (random.Next(8) == 0)
        {
            return random.Next(2) == 0 ? "{" : "[1,2]";
        }

        var schema = body["content"]?["application/json"]?["schema"];
        if (schema?["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = document["components"]!["schemas"]![reference.Split('/')[^1]];
        }

        var value = new JsonObject();
        foreach (var (name, _) in schema?["properties"]?.AsObject() ?? [])
        {
            if (random.Next(5) > 0)
            {
                value[name] = Values[random.Next(Values.Length)]?.DeepClone();
            }
        }

        return value.ToJsonString();
    }
}

/// <summary>A sandbox dashboard without sign-in (the local user is Admin), so generated requests reach every handler.</summary>
public sealed class SecurityHostForOpenApi : IAsyncLifetime
{
    public DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await DashboardHost.StartAsync(AttackTarget.Settings());

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
