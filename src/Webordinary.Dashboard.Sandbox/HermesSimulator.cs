using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Sandbox;

/// <summary>
/// The sandbox's ALB with Hermes behind it, served by the app itself under <see cref="AlbPathBase"/>. It implements
/// the Hermes contract the session-flow probes expect:
/// <c>GET /hermes/health</c> (200 only with a healthy target, else 503 as the ALB answers),
/// <c>POST /hermes/api/sessions</c> (201 <c>{sessionId, status, task}</c>; the body may choose the id and carry a <c>ttl</c>),
/// <c>GET</c>/<c>DELETE /hermes/api/sessions/{id}</c> (404 unknown), <c>PUT /hermes/api/sessions/{id}/state</c>,
/// the session's own route <c>GET /hermes/sessions/{id}/</c>, and 404 for any other <c>/hermes/*</c> path.
/// Sessions are rows in the DynamoDB session table; each is served by one task (sticky), named in <c>X-Hermes-Task</c>.
/// As on AWS, the ALB's own errors (no healthy target, its faults) carry <c>Server: awselb/2.0</c> and its HTML page and
/// none of Hermes's headers; Hermes's own errors carry <c>X-Hermes-Task</c> and a JSON reason.
/// </summary>
public static class HermesSimulator
{
    public const string AlbPathBase = "/sandbox/alb";
    public const string TaskHeader = "X-Hermes-Task";

    public static IEndpointRouteBuilder MapHermesSimulator(this IEndpointRouteBuilder endpoints)
    {
        var hermes = endpoints.MapGroup(AlbPathBase + "/hermes").ExcludeFromDescription();
        hermes.MapGet("/health", (HttpContext http, SandboxPlatform platform, FaultInjector faults, CancellationToken ct) =>
            ServeAsync(http, platform, faults, null, ct, target => Task.FromResult(Results.Json(new { status = "healthy", service = "hermes", task = target })), usesTable: false));
        hermes.MapPost("/api/sessions", (HttpContext http, SandboxPlatform platform, FaultInjector faults, IOptions<AwsOptions> aws, CancellationToken ct) =>
            ServeAsync(http, platform, faults, null, ct, target => CreateSessionAsync(http, platform, aws.Value.SessionTable, target, ct)));
        hermes.MapGet("/api/sessions/{id}", (string id, HttpContext http, SandboxPlatform platform, FaultInjector faults, IOptions<AwsOptions> aws, CancellationToken ct) =>
            ServeAsync(http, platform, faults, (aws.Value.SessionTable, id), ct, _ => Task.FromResult(SessionResult(platform, aws.Value.SessionTable, id))));
        hermes.MapPut("/api/sessions/{id}/state", (string id, HttpContext http, SandboxPlatform platform, FaultInjector faults, IOptions<AwsOptions> aws, CancellationToken ct) =>
            ServeAsync(http, platform, faults, (aws.Value.SessionTable, id), ct, _ => WriteStateAsync(http, platform, aws.Value.SessionTable, id)));
        hermes.MapDelete("/api/sessions/{id}", (string id, HttpContext http, SandboxPlatform platform, FaultInjector faults, IOptions<AwsOptions> aws, CancellationToken ct) =>
            ServeAsync(http, platform, faults, (aws.Value.SessionTable, id), ct, _ => Task.FromResult(DeleteSession(platform, aws.Value.SessionTable, id))));
        hermes.MapGet("/sessions/{id}/{**rest}", (string id, HttpContext http, SandboxPlatform platform, FaultInjector faults, IOptions<AwsOptions> aws, CancellationToken ct) =>
            ServeAsync(http, platform, faults, (aws.Value.SessionTable, id), ct, target => Task.FromResult(
                platform.GetItem(aws.Value.SessionTable, Key(id)) is null
                    ? Results.Json(new { error = $"No session {id}" }, statusCode: 404)
                    : Results.Json(new { sessionId = id, task = target, message = "session route" }))));
        hermes.MapFallback((HttpContext http, SandboxPlatform platform, FaultInjector faults, CancellationToken ct) =>
            ServeAsync(http, platform, faults, null, ct, _ => Task.FromResult(Results.Json(new { error = "Not found" }, statusCode: 404)), usesTable: false));
        return endpoints;
    }

    /// <summary>
    /// The ALB, then Hermes' own faults, then the handler on the task that serves the request. Hermes keeps its sessions
    /// in the DynamoDB table, so with the table down its session API answers 503 (its health check does not need it).
    /// </summary>
    private static async Task<IResult> ServeAsync(HttpContext http, SandboxPlatform platform, FaultInjector faults, (string Table, string Id)? session,
        CancellationToken cancellationToken, Func<string, Task<IResult>> handle, bool usesTable = true)
    {
        if (await ThroughAlbAsync(http, faults, cancellationToken) is { } albAnswer)
        {
            return albAnswer;
        }

        var target = session is { } s ? StickyTarget(platform, s.Table, s.Id) : platform.PickHealthyTarget();
        if (target is null)
        {
            return AlbError(http, 503);
        }

        http.Response.Headers[TaskHeader] = target;
        if (usesTable && faults.Get(SandboxComponents.DynamoDb).Mode == FaultMode.Down)
        {
            return Results.Json(new { error = "Session table unavailable (sandbox fault: dynamodb down)" }, statusCode: 503);
        }

        var hermes = faults.Get(SandboxComponents.Hermes);
        switch (hermes.Mode)
        {
            case FaultMode.Slow:
                await Task.Delay(hermes.LatencyMs, cancellationToken);
                break;
            case FaultMode.Throttle:
                return Results.Json(new { error = "Too many requests (sandbox fault: throttle)" }, statusCode: 429);
            case FaultMode.Errors when Random.Shared.NextDouble() < hermes.ErrorRate:
                return Results.Json(new { error = "Internal error (sandbox fault: errors)" }, statusCode: 500);
        }

        return await handle(target);
    }

    /// <summary>A session stays on its task while that task is healthy; then it moves to another (its state lives in DynamoDB).</summary>
    private static string? StickyTarget(SandboxPlatform platform, string table, string id)
    {
        var row = platform.GetItem(table, Key(id));
        if (row?.GetValueOrDefault("task") is string task && platform.IsHealthyTarget(task))
        {
            return task;
        }

        var picked = platform.PickHealthyTarget();
        if (row is not null && picked is not null)
        {
            platform.PutItem(table, new Dictionary<string, object>(row) { ["task"] = picked });
        }

        return picked;
    }

    private static async Task<IResult> CreateSessionAsync(HttpContext http, SandboxPlatform platform, string table, string target, CancellationToken cancellationToken)
    {
        var body = http.Request.ContentLength is > 0 || http.Request.HasJsonContentType()
            ? await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body, cancellationToken: cancellationToken)
            : default;
        var id = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("sessionId", out var requested) && requested.ValueKind == JsonValueKind.String
            ? requested.GetString()!
            : $"sess-{Guid.NewGuid():N}";
        var row = new Dictionary<string, object>
        {
            ["sessionId"] = id,
            ["status"] = "ready",
            ["createdAt"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["task"] = target,
        };
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("ttl", out var ttl) && ttl.TryGetInt64(out var expires))
        {
            row["ttl"] = expires;
        }

        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("createdBy", out var creator) && creator.ValueKind == JsonValueKind.String)
        {
            row["createdBy"] = creator.GetString()!;
        }

        platform.PutItem(table, row);
        return Results.Json(new { sessionId = id, status = "ready", task = target }, statusCode: 201);
    }

    private static IResult SessionResult(SandboxPlatform platform, string table, string id) =>
        platform.GetItem(table, Key(id)) is { } row
            ? Results.Json(new { sessionId = id, status = "ready", task = row.GetValueOrDefault("task"), state = row.GetValueOrDefault("state") })
            : Results.Json(new { error = $"No session {id}" }, statusCode: 404);

    private static async Task<IResult> WriteStateAsync(HttpContext http, SandboxPlatform platform, string table, string id)
    {
        if (platform.GetItem(table, Key(id)) is not { } row)
        {
            return Results.Json(new { error = $"No session {id}" }, statusCode: 404);
        }

        using var reader = new StreamReader(http.Request.Body);
        platform.PutItem(table, new Dictionary<string, object>(row) { ["state"] = await reader.ReadToEndAsync() });
        return Results.NoContent();
    }

    private static IResult DeleteSession(SandboxPlatform platform, string table, string id)
    {
        if (platform.GetItem(table, Key(id)) is null)
        {
            return Results.Json(new { error = $"No session {id}" }, statusCode: 404);
        }

        platform.DeleteItem(table, Key(id));
        return Results.NoContent();
    }

    private static Dictionary<string, object> Key(string id) => new() { ["sessionId"] = id };

    /// <summary>The ALB's own faults, before any target is chosen.</summary>
    private static async Task<IResult?> ThroughAlbAsync(HttpContext http, FaultInjector faults, CancellationToken cancellationToken)
    {
        var alb = faults.Get(SandboxComponents.Alb);
        switch (alb.Mode)
        {
            case FaultMode.Down:
                return AlbError(http, 502);
            case FaultMode.Slow:
                await Task.Delay(alb.LatencyMs, cancellationToken);
                return null;
            case FaultMode.Errors when Random.Shared.NextDouble() < alb.ErrorRate:
                return AlbError(http, 502);
            case FaultMode.Throttle:
                return AlbError(http, 503);
            default:
                return null;
        }
    }

    /// <summary>An error the ALB makes itself, as an AWS ALB sends it: its server name and its HTML page.</summary>
    private static IResult AlbError(HttpContext http, int status)
    {
        var title = status switch
        {
            502 => "502 Bad Gateway",
            504 => "504 Gateway Time-out",
            _ => "503 Service Temporarily Unavailable",
        };
        http.Response.Headers.Server = "awselb/2.0";
        return Results.Text($"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n",
            "text/html", statusCode: status);
    }
}
