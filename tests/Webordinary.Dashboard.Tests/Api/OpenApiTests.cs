using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Api;

/// <summary>The OpenAPI document describes every API endpoint with its answers (requests generated from it: <see cref="GeneratedRequestFuzzTests"/>).</summary>
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
    public async Task Every_operation_that_names_something_documents_its_404_and_optional_fields_are_not_required()
    {
        using var http = fixture.Host.CreateClient();
        var document = await http.GetFromJsonAsync<JsonElement>("openapi/v1.json");

        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.Contains('{', StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                Assert.True(operation.Value.GetProperty("responses").TryGetProperty("404", out _), $"{operation.Name.ToUpperInvariant()} {path.Name} does not document 404");
            }
        }

        // ?probe= names a probe too.
        Assert.True(document.GetProperty("paths").GetProperty("/api/incidents").GetProperty("get").GetProperty("responses").TryGetProperty("404", out _));
        var maintenance = document.GetProperty("components").GetProperty("schemas").GetProperty("MaintenanceRequest");
        Assert.Equal(["reason"], maintenance.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
    }
}

/// <summary>A sandbox dashboard without sign-in (the local user is Admin), so generated requests reach every handler.</summary>
public sealed class SecurityHostForOpenApi : IAsyncLifetime
{
    public DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await DashboardHost.StartAsync(AttackTarget.Settings());

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
