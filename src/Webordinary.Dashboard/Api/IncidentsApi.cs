using Microsoft.AspNetCore.Http.HttpResults;
using Webordinary.Dashboard.Incidents;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Api;

/// <summary>
/// <c>/api/incidents/{id}</c>: one incident with its timeline, and its postmortem as Markdown; acknowledging it
/// (<c>POST</c>/<c>DELETE .../acknowledge</c>) and its notes (<c>POST .../notes</c>, <c>PUT .../notes/{noteId}</c>), Operator.
/// </summary>
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
        api.MapPost("/{id}/acknowledge", (string id, IncidentActions actions, HttpContext http, CancellationToken cancellationToken) =>
                AcknowledgeAsync(id, acknowledge: true, actions, http, cancellationToken))
            .WithSummary("Acknowledge an open incident: its still-open reminders stop; the channels that got its opening are told who is on it (Operator).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).WithStoreWrites();
        api.MapDelete("/{id}/acknowledge", (string id, IncidentActions actions, HttpContext http, CancellationToken cancellationToken) =>
                AcknowledgeAsync(id, acknowledge: false, actions, http, cancellationToken))
            .WithSummary("Un-acknowledge an open incident: its still-open reminders resume (Operator).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).WithStoreWrites();
        api.MapPost("/{id}/notes", AddNoteAsync).WithBodyProblems().WithStoreWrites()
            .WithSummary("Write a note on the incident: {\"text\": \"…\"}, plain text, 1 to 4,000 characters (Operator).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPut("/{id}/notes/{noteId}", EditNoteAsync).WithBodyProblems().WithStoreWrites()
            .WithSummary("Edit a note: only its author, within 10 minutes of writing it (Operator).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return endpoints;
    }

    private static async Task<Results<Ok<IncidentAcknowledgementDto>, ProblemHttpResult>> AcknowledgeAsync(string id, bool acknowledge, IncidentActions actions,
        HttpContext http, CancellationToken cancellationToken)
    {
        if (!IncidentReader.IsValidId(id))
        {
            return BadId();
        }

        var outcome = await actions.AcknowledgeAsync(http.User, id, acknowledge, cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return ProbesApi.Forbidden(denied);
        }

        var (update, incident) = outcome.Value;
        return update switch
        {
            IncidentUpdate.Done or IncidentUpdate.Unchanged => TypedResults.Ok(IncidentContractMapping.ToDto(incident?.Acknowledged)),
            IncidentUpdate.Closed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Incident resolved",
                detail: $"Incident '{id}' is resolved: only an open incident is acknowledged."),
            _ => UnknownIncident(id),
        };
    }

    private static async Task<Results<Created<IncidentNoteDto>, ProblemHttpResult>> AddNoteAsync(string id, IncidentNoteRequest request, IncidentActions actions,
        HttpContext http, CancellationToken cancellationToken)
    {
        if (!IncidentReader.IsValidId(id))
        {
            return BadId();
        }

        var outcome = await actions.AddNoteAsync(http.User, id, request.Text, cancellationToken);
        return NoteResponse(id, outcome) switch
        {
            { } problem => problem,
            null => TypedResults.Created($"/api/incidents/{id}/notes/{outcome.Value!.Note!.Id}", outcome.Value.Note.ToDto()),
        };
    }

    private static async Task<Results<Ok<IncidentNoteDto>, ProblemHttpResult>> EditNoteAsync(string id, string noteId, IncidentNoteRequest request,
        IncidentActions actions, HttpContext http, CancellationToken cancellationToken)
    {
        if (!IncidentReader.IsValidId(id) || !IncidentReader.IsValidId(noteId))
        {
            return BadId();
        }

        var outcome = await actions.EditNoteAsync(http.User, id, noteId, request.Text, cancellationToken);
        return NoteResponse(id, outcome) switch
        {
            { } problem => problem,
            null => TypedResults.Ok(outcome.Value!.Note!.ToDto()),
        };
    }

    /// <summary>The problem a note's write answers with; null when it was written.</summary>
    private static ProblemHttpResult? NoteResponse(string id, ActionOutcome<NoteOutcome> outcome) => outcome switch
    {
        { Denied: { } denied } => ProbesApi.Forbidden(denied),
        { Invalid: { } invalid } => ProbesApi.BadRequest(invalid),
        _ => outcome.Value!.Result switch
        {
            NoteResult.Written => null,
            NoteResult.UnknownIncident => UnknownIncident(id),
            NoteResult.UnknownNote => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown note", detail: $"Incident '{id}' has no such note."),
            NoteResult.NotAuthor => ProbesApi.Forbidden($"Only its author ({outcome.Value.Note?.Author}) may edit a note."),
            NoteResult.TooLate => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Note no longer editable",
                detail: $"A note can be edited for {IncidentActions.NoteEditWindow.TotalMinutes:0} minutes after it is written."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too many notes",
                detail: $"Incident '{id}' has {IncidentActions.MaxNotes} notes already."),
        },
    };

    private static ProblemHttpResult BadId() => ProbesApi.BadRequest("An incident or note id is 1 to 64 letters, digits, '-' or '_'.");

    private static ProblemHttpResult UnknownIncident(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown incident", detail: $"No incident has id '{id}'.");

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
            return (null, BadId());
        }

        return await reader.ReadAsync(id, cancellationToken) is { } view ? (view, null) : (null, UnknownIncident(id));
    }
}
