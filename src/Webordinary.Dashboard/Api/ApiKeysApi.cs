using Microsoft.AspNetCore.Http.HttpResults;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Api;

public sealed record ApiKeyDto(string Name, string Role, string Source, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt, string? RevokedBy,
    DateTimeOffset? LastUsedAt);

/// <summary>The new key: <paramref name="Key"/> is shown this once and never again.</summary>
public sealed record ApiKeyCreatedDto(string Name, string Role, string Key);

/// <summary>A key to make: its name (letters, digits, '-', '_') and role (Viewer, Operator or Admin).</summary>
public sealed record ApiKeyRequest(string? Name, string? Role);

/// <summary><c>/api/keys</c>: list, create and revoke API keys (admins only). Only hashes are stored.</summary>
public static class ApiKeysApi
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/keys").WithTags("API keys").WithApiProblems();
        api.MapGet("", ListKeys).WithSummary("Every API key with its role, source, creation, last use and revocation (Admin).");
        api.MapPost("", CreateAsync).WithSummary("Make a key; the key is in the answer, this once (Admin).").WithBodyProblems()
            .WithStoreWrites();
        api.MapDelete("/{name}", RevokeAsync).WithSummary("Revoke a key: refused at once, its hub connections closed (Admin).")
            .ProducesProblem(StatusCodes.Status404NotFound).WithStoreWrites();
        return endpoints;
    }

    public static ApiKeyDto ToDto(this ApiKeyInfo key) =>
        new(key.Name, key.Role.ToString(), key.Source, key.CreatedAt, key.CreatedBy, key.RevokedAt, key.RevokedBy, key.LastUsedAt);

    private static Results<Ok<IEnumerable<ApiKeyDto>>, ProblemHttpResult> ListKeys(ApiKeyStore keys, HttpContext http) =>
        DashboardPrincipal.Denial(http.User, ApiKeyActions.KeyRole) is { } denied
            ? ProbesApi.Forbidden(denied)
            : TypedResults.Ok(keys.List().Select(k => k.ToDto()));

    private static async Task<Results<Created<ApiKeyCreatedDto>, ProblemHttpResult>> CreateAsync(ApiKeyRequest request, ApiKeyActions actions,
        HttpContext http, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return ProbesApi.BadRequest("name is required.");
        }

        if (!Enum.GetNames<DashboardRole>().Contains(request.Role, StringComparer.OrdinalIgnoreCase))
        {
            return ProbesApi.BadRequest($"role must be one of {string.Join(", ", Enum.GetNames<DashboardRole>())} (got '{request.Role}').");
        }

        var outcome = await actions.CreateAsync(http.User, request.Name, Enum.Parse<DashboardRole>(request.Role!, ignoreCase: true), cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return ProbesApi.Forbidden(denied);
        }

        if (outcome.Invalid is { } invalid)
        {
            return ProbesApi.BadRequest(invalid);
        }

        var (key, secret) = outcome.Value;
        return TypedResults.Created($"/api/keys/{key.Name}", new ApiKeyCreatedDto(key.Name, key.Role.ToString(), secret));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string name, ApiKeyActions actions, HttpContext http,
        CancellationToken cancellationToken)
    {
        var outcome = await actions.RevokeAsync(http.User, name, cancellationToken);
        return outcome switch
        {
            { Denied: { } denied } => ProbesApi.Forbidden(denied),
            { Value: true } => TypedResults.NoContent(),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown key", detail: $"No key named '{name}' that is not revoked already."),
        };
    }
}
