using Microsoft.AspNetCore.Http.HttpResults;
using Webordinary.Dashboard.Incidents;

namespace Webordinary.Dashboard.Api;

/// <summary><c>/api/incidents/{id}</c>: one incident with its timeline, and its postmortem as Markdown.</summary>
public static class IncidentsApi
{
    public static IEndpointRouteBuilder MapIncidentsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/incidents").WithTags("Incidents").WithApiProblems();
        api.MapGet("/{id}", GetIncidentAsync)
            .WithSummary("One incident: root cause, status, duration, its probes with their state now, and its timeline, newest last.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/postmortem", GetPostmortemAsync)
            .WithSummary("The incident as Markdown for a postmortem: summary, detection time, timeline, the failing runs' steps (download=true to save it).")
            .Produces<string>(StatusCodes.Status200OK, "text/markdown")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    private static async Task<Results<Ok<IncidentDetailDto>, ProblemHttpResult>> GetIncidentAsync(string id, IncidentReader reader, CancellationToken cancellationToken) =>
        await ReadAsync(id, reader, cancellationToken) switch
        {
            ({ } view, _) => TypedResults.Ok(view.ToDetailDto()),
            (_, var problem) => problem!,
        };

    private static async Task<IResult> GetPostmortemAsync(string id, string? download, IncidentReader reader, CancellationToken cancellationToken)
    {
        if (download is not (null or "true" or "false"))
        {
            return ProbesApi.BadRequest($"download must be true or false (got '{download}').");
        }

        var (view, problem) = await ReadAsync(id, reader, cancellationToken);
        if (view is null)
        {
            return problem!;
        }

        var markdown = IncidentPostmortem.Write(view);
        return download == "true"
            ? TypedResults.File(System.Text.Encoding.UTF8.GetBytes(markdown), IncidentPostmortem.ContentType, $"incident-{view.Id}.md")
            : TypedResults.Text(markdown, IncidentPostmortem.ContentType);
    }

    private static async Task<(IncidentView? View, ProblemHttpResult? Problem)> ReadAsync(string id, IncidentReader reader, CancellationToken cancellationToken)
    {
        if (!IncidentReader.IsValidId(id))
        {
            return (null, ProbesApi.BadRequest("An incident id is 1 to 64 letters, digits, '-' or '_'."));
        }

        return await reader.ReadAsync(id, cancellationToken) is { } view
            ? (view, null)
            : (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown incident", detail: $"No incident has id '{id}'."));
    }
}
