using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Api;

/// <param name="Active">Open now: from <paramref name="From"/> until <paramref name="Until"/>; otherwise its next opening.</param>
public sealed record MaintenanceWindowDto(string Id, string Kind, string Reason, IReadOnlyList<string> Probes, IReadOnlyList<string> Components, bool Global,
    bool Active, DateTimeOffset? From, DateTimeOffset? Until, string? Cron, TimeSpan? Duration, string? TimeZone, string? CreatedBy, DateTimeOffset? CreatedAt);

/// <summary>
/// <c>GET/POST /api/maintenance</c>, <c>DELETE /api/maintenance/{id}</c>: maintenance windows and silences. Inside one,
/// the probes it covers keep running and recording; they open no incident and cost no uptime.
/// </summary>
public static class MaintenanceApi
{
    /// <summary>A window request is a few hundred bytes; anything much larger is not one.</summary>
    public const long MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapMaintenanceApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/maintenance").WithTags("Maintenance").WithApiProblems();
        api.MapGet("/", (MaintenanceWindows windows) => TypedResults.Ok(windows.List().Select(ToDto)))
            .WithSummary("Maintenance windows open now or coming, scheduled and ad hoc.");
        api.MapPost("/", CreateAsync).WithMetadata(new BodySizeLimit(MaxBodyBytes)).WithBodyProblems().WithStoreWrites()
            .WithSummary("Start an ad hoc window: a reason, a duration or start and end, the probes or components it covers (Operator).");
        api.MapDelete("/{id}", EndAsync).WithSummary("End an ad hoc window now (Operator).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).WithStoreWrites();
        return endpoints;
    }

    public static MaintenanceWindowDto ToDto(WindowState state)
    {
        var window = state.Window;
        return new(window.Id, window.Kind.ToString(), window.Reason, window.Scope.Probes, [.. window.Scope.Components.Select(c => c.DisplayName())],
            window.Scope.IsGlobal, state.Active, state.From, state.Until, window.Cron, window.Duration, window.TimeZone, window.CreatedBy, window.CreatedAt);
    }

    /// <summary>Body: <c>{"reason": "…", "duration": "01:00:00"}</c>, optionally <c>startsAt</c>, <c>endsAt</c> instead of duration, <c>probes</c>, <c>components</c>.</summary>
    private static async Task<Results<Created<MaintenanceWindowDto>, ProblemHttpResult>> CreateAsync(
        MaintenanceRequest request, MaintenanceWindows windows, MaintenanceActions actions, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await actions.StartAsync(http.User, request, cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return ProbesApi.Forbidden(denied);
        }

        var result = outcome.Value!;
        if (result.Window is not { } window)
        {
            return ProbesApi.BadRequest(result.Error!);
        }

        var state = windows.List().First(s => s.Window.Id == window.Id);
        return TypedResults.Created($"/api/maintenance/{window.Id}", ToDto(state));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> EndAsync(string id, MaintenanceActions actions, HttpContext http,
        CancellationToken cancellationToken)
    {
        var outcome = await actions.EndAsync(http.User, id, cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return ProbesApi.Forbidden(denied);
        }

        return outcome.Value switch
        {
            MaintenanceWindows.EndResult.Ended => TypedResults.NoContent(),
            MaintenanceWindows.EndResult.Scheduled => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Scheduled window",
                detail: $"'{id}' is a scheduled window from configuration ({MaintenanceOptions.SectionName}:Windows:{id}): change it there."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown window", detail: $"No open or coming maintenance window has id '{id}'."),
        };
    }

    private sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}
