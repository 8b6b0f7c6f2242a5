using Microsoft.AspNetCore.Http.HttpResults;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Api;

/// <summary><c>/api/sandbox/faults</c>: read and inject faults into the simulated platform (sandbox mode only).</summary>
public static class SandboxApi
{
    public static IEndpointRouteBuilder MapSandboxApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/sandbox").WithTags("Sandbox").WithApiProblems();
        api.MapGet("/faults", (FaultInjector faults) => TypedResults.Ok(faults.Current.ToDictionary(p => p.Key, p => ToDto(p.Value))))
            .WithSummary("The sandbox's faults by component (sandbox mode only).");
        api.MapPut("/faults/{component}", SetFaultAsync).WithBodyProblems().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Set or clear a component's fault (Admin; sandbox mode only).");
        return endpoints;
    }

    public static FaultDto ToDto(FaultSetting setting) => new(setting.Mode.ToString().ToLowerInvariant(), setting.LatencyMs, setting.ErrorRate);

    /// <summary>Body: <c>{"mode":"down"}</c>, <c>{"mode":"slow","latencyMs":3000}</c>, <c>{"mode":"errors","errorRate":0.5}</c>, <c>{"mode":"throttle"}</c>, <c>{"mode":"none"}</c>.</summary>
    private static async Task<Results<Ok<FaultDto>, ProblemHttpResult>> SetFaultAsync(string component, FaultRequest request, PlatformActions actions,
        HttpContext http, CancellationToken cancellationToken)
    {
        if (!SandboxComponents.IsKnown(component))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown component",
                detail: $"No sandbox component '{component}'. Known: {string.Join(", ", SandboxComponents.All)}.");
        }

        if (FaultInjector.ParseMode(request.Mode) is not { } mode)
        {
            return ProbesApi.BadRequest($"mode must be exactly one of {string.Join(", ", ModeNames)} (got '{request.Mode}').");
        }

        var outcome = await actions.SetFaultAsync(http.User, component, new FaultSetting(mode, request.LatencyMs ?? 0, request.ErrorRate ?? 0), cancellationToken);
        return outcome switch
        {
            { Denied: { } denied } => ProbesApi.Forbidden(denied),
            { Invalid: { } invalid } => ProbesApi.BadRequest(invalid),
            _ => TypedResults.Ok(ToDto(outcome.Value!)),
        };
    }

    private static readonly string[] ModeNames = [.. Enum.GetNames<FaultMode>().Select(n => n.ToLowerInvariant())];
}

/// <summary>A fault for one sandbox component; <c>latencyMs</c> for slow, <c>errorRate</c> (0–1) for errors.</summary>
public sealed record FaultRequest(string? Mode, int? LatencyMs, double? ErrorRate);
