using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Api;

/// <summary><c>/api/services</c>, <c>/api/audit</c> and <c>/api/schedules</c>: see and set desired counts, safely.</summary>
public static class ServicesApi
{
    public static IEndpointRouteBuilder MapServicesApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithTags("Services").WithApiProblems();
        api.MapGet("/services", (ServiceStatusFeed services, ProbeCatalog catalog, ProbeStatusFeed probes, TimeProvider time) =>
            TypedResults.Ok(services.Current.ToDto(ServiceViews.Dependents(catalog, probes), time.GetUtcNow())))
            .WithSummary("Every service of the cluster: counts, rollout, targets, tasks, events, the probes that need it.");
        api.MapPost("/services/{service}/scale", ScaleAsync).WithBodyProblems().WithSummary("Set an allow-listed service's desired count (Admin).")
            .Produces<ScaleAcceptedDto>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        api.MapGet("/audit", AuditAsync).WithTags("Audit").WithSummary("The audit log of every action, newest first; filter by actor, action, service.");
        api.MapGet("/schedules", async (ScaleSchedules schedules, CancellationToken cancellationToken) =>
            TypedResults.Ok((await schedules.ListAsync(cancellationToken)).Select(s => s.ToDto())))
            .WithSummary("The scale schedules with their next run, whether they are paused, and whether configuration enables them.");
        api.MapPost("/schedules/{name}/pause", (string name, ScaleSchedules schedules, PlatformActions actions, HttpContext http, CancellationToken cancellationToken) =>
            SetPausedAsync(name, true, schedules, actions, http, cancellationToken))
            .WithSummary("Pause a scale schedule (Operator).").Produces<ScheduleDto>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/schedules/{name}/resume", (string name, ScaleSchedules schedules, PlatformActions actions, HttpContext http, CancellationToken cancellationToken) =>
            SetPausedAsync(name, false, schedules, actions, http, cancellationToken))
            .WithSummary("Resume a scale schedule (Operator).").Produces<ScheduleDto>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return endpoints;
    }

    /// <summary>Body <c>{"desiredCount": n}</c>. 202 accepted (or no change), 400 out of range, 403 not allow-listed or not an admin, 409 change in flight.</summary>
    private static async Task<IResult> ScaleAsync(string service, ScaleRequest request, PlatformActions actions, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.DesiredCount is not { } desired)
        {
            return ProbesApi.BadRequest("The body must be {\"desiredCount\": n} with a whole number n.");
        }

        var outcome = await actions.ScaleAsync(http.User, service, desired, cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return ProbesApi.Forbidden(denied);
        }

        var result = outcome.Value!;
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

    /// <summary>The audit log, newest first; <c>actor</c> matches an actor's id or name, <c>service</c> (or <c>target</c>) what was acted on.</summary>
    private static async Task<Results<Ok<IEnumerable<AuditEntryDto>>, ProblemHttpResult>> AuditAsync(
        string? limit, string? actor, string? action, string? service, string? target, AuditLog audit, CancellationToken cancellationToken)
    {
        var count = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
        {
            return ProbesApi.BadRequest($"limit must be a whole number from 1 to 1000 (got '{limit}').");
        }

        AuditAction? parsedAction = null;
        if (action is not null)
        {
            if (!Enum.GetNames<AuditAction>().Contains(action, StringComparer.OrdinalIgnoreCase))
            {
                return ProbesApi.BadRequest($"action must be one of {string.Join(", ", Enum.GetNames<AuditAction>())} (got '{action}').");
            }

            parsedAction = Enum.Parse<AuditAction>(action, ignoreCase: true);
        }

        var entries = await audit.ListAsync(new AuditQuery(count, actor, parsedAction, target ?? service), cancellationToken);
        return TypedResults.Ok(entries.Select(e => e.ToDto()));
    }

    private static async Task<IResult> SetPausedAsync(string name, bool paused, ScaleSchedules schedules, PlatformActions actions, HttpContext http,
        CancellationToken cancellationToken)
    {
        if ((await schedules.ListAsync(cancellationToken)).FirstOrDefault(s => s.Name == name) is { Enabled: false })
        {
            return Problem(StatusCodes.Status409Conflict, "Schedule disabled by configuration",
                $"'{name}' never fires: set Scaling:Schedules:{name}:Enabled to true to use it.");
        }

        var outcome = await actions.SetSchedulePausedAsync(http.User, name, paused, cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return ProbesApi.Forbidden(denied);
        }

        return outcome.Value
            ? TypedResults.Ok((await schedules.ListAsync(cancellationToken)).Single(s => s.Name == name).ToDto())
            : Problem(StatusCodes.Status404NotFound, "Unknown schedule", $"No scale schedule is named '{name}' (Scaling:Schedules).");
    }

    private static ProblemHttpResult Problem(int status, string title, string detail, string? errorCode = null, string? requestId = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: errorCode is null ? null : new Dictionary<string, object?>
        {
            ["errorCode"] = errorCode,
            ["requestId"] = requestId,
        });
}

/// <summary>The desired count to set.</summary>
public sealed record ScaleRequest(int? DesiredCount);
