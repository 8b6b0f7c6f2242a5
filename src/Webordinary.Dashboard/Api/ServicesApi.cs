using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Api;

/// <summary><c>/api/services</c>, <c>/api/audit</c> and <c>/api/schedules</c>: see and set desired counts, safely.</summary>
public static class ServicesApi
{
    public static IEndpointRouteBuilder MapServicesApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithTags("Services");
        api.MapGet("/services", (ServiceStatusFeed services, ProbeCatalog catalog, ProbeStatusFeed probes, TimeProvider time) =>
            TypedResults.Ok(services.Current.ToDto(ServiceViews.Dependents(catalog, probes), time.GetUtcNow())));
        api.MapPost("/services/{service}/scale", ScaleAsync);
        api.MapGet("/audit", AuditAsync);
        api.MapGet("/schedules", async (ScaleSchedules schedules, CancellationToken cancellationToken) =>
            TypedResults.Ok((await schedules.ListAsync(cancellationToken)).Select(s => s.ToDto())));
        api.MapPost("/schedules/{name}/pause", (string name, ScaleSchedules schedules, CancellationToken cancellationToken) => SetPausedAsync(name, true, schedules, cancellationToken));
        api.MapPost("/schedules/{name}/resume", (string name, ScaleSchedules schedules, CancellationToken cancellationToken) => SetPausedAsync(name, false, schedules, cancellationToken));
        return endpoints;
    }

    /// <summary>Body <c>{"desiredCount": n}</c>. 202 accepted (or no change), 400 out of range, 403 not allow-listed, 409 change in flight.</summary>
    private static async Task<IResult> ScaleAsync(string service, ScaleRequest request, ServiceScaler scaler, CancellationToken cancellationToken)
    {
        if (request.DesiredCount is not { } desired)
        {
            return ProbesApi.BadRequest("The body must be {\"desiredCount\": n} with a whole number n.");
        }

        var result = await scaler.RequestAsync(service, desired, ScaleReason.Manual, ServiceScaler.LocalActor, cancellationToken);
        return result.Status switch
        {
            ScaleRequestStatus.Accepted or ScaleRequestStatus.NoChange => TypedResults.Accepted("/api/audit",
                new ScaleAcceptedDto(result.Service, result.From, result.To, result.AuditId, result.Status == ScaleRequestStatus.NoChange, result.Message)),
            ScaleRequestStatus.OutOfRange => ProbesApi.BadRequest(result.Message),
            ScaleRequestStatus.NotAllowListed => Problem(StatusCodes.Status403Forbidden, "Not allow-listed", result.Message),
            ScaleRequestStatus.ChangeInFlight => Problem(StatusCodes.Status409Conflict, "Change in flight", result.Message),
            ScaleRequestStatus.UnknownService => Problem(StatusCodes.Status404NotFound, "Unknown service", result.Message),
            _ => Problem(StatusCodes.Status502BadGateway, "ECS refused the change", result.Message, result.ErrorCode, result.RequestId),
        };
    }

    private static async Task<Results<Ok<IEnumerable<AuditEntryDto>>, ProblemHttpResult>> AuditAsync(
        string? limit, string? service, ScaleAuditStore audit, CancellationToken cancellationToken)
    {
        var count = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
        {
            return ProbesApi.BadRequest($"limit must be a whole number from 1 to 1000 (got '{limit}').");
        }

        return TypedResults.Ok((await audit.ListAsync(count, service, cancellationToken)).Select(e => e.ToDto()));
    }

    private static async Task<IResult> SetPausedAsync(string name, bool paused, ScaleSchedules schedules, CancellationToken cancellationToken) =>
        await schedules.SetPausedAsync(name, paused, cancellationToken)
            ? TypedResults.Ok((await schedules.ListAsync(cancellationToken)).Single(s => s.Name == name).ToDto())
            : Problem(StatusCodes.Status404NotFound, "Unknown schedule", $"No scale schedule is named '{name}' (Scaling:Schedules).");

    private static ProblemHttpResult Problem(int status, string title, string detail, string? errorCode = null, string? requestId = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: errorCode is null ? null : new Dictionary<string, object?>
        {
            ["errorCode"] = errorCode,
            ["requestId"] = requestId,
        });
}

/// <summary>The desired count to set.</summary>
public sealed record ScaleRequest(int? DesiredCount);
