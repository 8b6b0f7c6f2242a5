using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Webordinary.Dashboard.Sandbox;

/// <summary>
/// The sandbox's ALB with Hermes behind it, served by the app itself under <see cref="AlbPathBase"/>:
/// <c>{AlbPathBase}/hermes/health</c> answers 200 only while a target is healthy, else 503, as the real ALB does.
/// Responses carry the serving task in <c>X-Hermes-Task</c>.
/// </summary>
public static class HermesSimulator
{
    public const string AlbPathBase = "/sandbox/alb";

    public static IEndpointRouteBuilder MapHermesSimulator(this IEndpointRouteBuilder endpoints)
    {
        var alb = endpoints.MapGroup(AlbPathBase).ExcludeFromDescription();
        alb.MapGet("/hermes/health", HealthAsync);
        return endpoints;
    }

    private static async Task<IResult> HealthAsync(HttpContext http, SandboxPlatform platform, FaultInjector faults, CancellationToken cancellationToken)
    {
        if (await ThroughAlbAsync(faults, cancellationToken) is { } albAnswer)
        {
            return albAnswer;
        }

        var target = platform.PickHealthyTarget();
        if (target is null)
        {
            return Results.Text("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", "text/html", statusCode: 503);
        }

        http.Response.Headers["X-Hermes-Task"] = target;
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

        return Results.Json(new { status = "healthy", service = "hermes", task = target });
    }

    /// <summary>The ALB's own faults, before any target is chosen.</summary>
    private static async Task<IResult?> ThroughAlbAsync(FaultInjector faults, CancellationToken cancellationToken)
    {
        var alb = faults.Get(SandboxComponents.Alb);
        switch (alb.Mode)
        {
            case FaultMode.Down:
                return Results.Text("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", statusCode: 502);
            case FaultMode.Slow:
                await Task.Delay(alb.LatencyMs, cancellationToken);
                return null;
            case FaultMode.Errors when Random.Shared.NextDouble() < alb.ErrorRate:
                return Results.Text("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", statusCode: 502);
            case FaultMode.Throttle:
                return Results.Text("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", "text/html", statusCode: 503);
            default:
                return null;
        }
    }
}
