using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Webordinary.Dashboard.Sandbox;

namespace Webordinary.Dashboard.Api;

/// <summary><c>/api/sandbox/faults</c>: read and inject faults into the simulated platform (sandbox mode only).</summary>
public static class SandboxApi
{
    public static IEndpointRouteBuilder MapSandboxApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/sandbox").WithTags("Sandbox");
        api.MapGet("/faults", (FaultInjector faults) => TypedResults.Ok(faults.Current.ToDictionary(p => p.Key, p => ToDto(p.Value))));
        api.MapPut("/faults/{component}", SetFaultAsync);
        return endpoints;
    }

    public static FaultDto ToDto(FaultSetting setting) => new(setting.Mode.ToString().ToLowerInvariant(), setting.LatencyMs, setting.ErrorRate);

    /// <summary>Body: <c>{"mode":"down"}</c>, <c>{"mode":"slow","latencyMs":3000}</c>, <c>{"mode":"errors","errorRate":0.5}</c>, <c>{"mode":"throttle"}</c>, <c>{"mode":"none"}</c>.</summary>
    private static async Task<Results<Ok<FaultDto>, ProblemHttpResult>> SetFaultAsync(string component, HttpRequest request, FaultInjector faults)
    {
        if (!SandboxComponents.IsKnown(component))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown component",
                detail: $"No sandbox component '{component}'. Known: {string.Join(", ", SandboxComponents.All)}.");
        }

        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException exception)
        {
            return ProbesApi.BadRequest($"The body is not valid JSON: {exception.Message}");
        }

        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("mode", out var modeElement) || modeElement.ValueKind != JsonValueKind.String)
        {
            return ProbesApi.BadRequest("The body must be an object with a string \"mode\": none, down, slow, errors or throttle.");
        }

        if (!Enum.TryParse<FaultMode>(modeElement.GetString(), ignoreCase: true, out var mode) || !Enum.IsDefined(mode) || int.TryParse(modeElement.GetString(), out _))
        {
            return ProbesApi.BadRequest($"Unknown mode '{modeElement.GetString()}'. Use none, down, slow, errors or throttle.");
        }

        if (!TryReadNumber(body, "latencyMs", out var latency) || !TryReadNumber(body, "errorRate", out var errorRate))
        {
            return ProbesApi.BadRequest("latencyMs and errorRate must be numbers.");
        }

        if (latency is not null && (latency != Math.Floor(latency.Value) || latency > int.MaxValue || latency < int.MinValue))
        {
            return ProbesApi.BadRequest("latencyMs must be a whole number of milliseconds.");
        }

        var setting = new FaultSetting(mode, (int)(latency ?? 0), errorRate ?? 0);
        if (FaultInjector.Validate(component, setting) is { } error)
        {
            return ProbesApi.BadRequest(error);
        }

        faults.Set(component, setting);
        return TypedResults.Ok(ToDto(setting));
    }

    private static bool TryReadNumber(JsonElement body, string name, out double? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        value = element.GetDouble();
        return true;
    }
}
