using System.Security.Claims;
using Webordinary.Dashboard.Incidents;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Security;

public enum NoteResult
{
    Written,
    UnknownIncident,
    UnknownNote,

    /// <summary>Only a note's author may edit it.</summary>
    NotAuthor,

    /// <summary>Its author's <see cref="IncidentActions.NoteEditWindow"/> is over.</summary>
    TooLate,

    /// <summary>The incident has <see cref="IncidentActions.MaxNotes"/> notes already.</summary>
    TooMany,
}

/// <summary>A note's write: how it went, and the note as stored.</summary>
public sealed record NoteOutcome(NoteResult Result, IncidentNote? Note = null);

/// <summary>
/// Working an incident: acknowledging it (its reminders stop; the channels it was announced to are told, in the same
/// transaction), un-acknowledging it, writing and editing notes. Operators and Admins; every attempt audited.
/// </summary>
/// <param name="outbox">What an acknowledgement sends (the notifications' rules); none without notifications.</param>
public sealed class IncidentActions(IIncidentStore incidents, ActionGuard guard, TimeProvider time, IIncidentOutbox? outbox = null)
{
    public const DashboardRole IncidentRole = DashboardRole.Operator;

    public const int MaxNoteLength = 4000;

    /// <summary>Bounds what one incident's page, API and postmortem carry.</summary>
    public const int MaxNotes = 200;

    /// <summary>How long a note's author may correct it; after that it stands as written (it is part of the record).</summary>
    public static readonly TimeSpan NoteEditWindow = TimeSpan.FromMinutes(10);

    /// <param name="acknowledge">True to acknowledge, false to un-acknowledge.</param>
    /// <returns>Done, Unchanged (it was so already), Closed or NotFound; the incident as it is after.</returns>
    public async Task<ActionOutcome<(IncidentUpdate Update, Incident? Incident)>> AcknowledgeAsync(ClaimsPrincipal user, string id, bool acknowledge,
        CancellationToken cancellationToken)
    {
        var action = acknowledge ? AuditAction.IncidentAcknowledge : AuditAction.IncidentUnacknowledge;
        if (await guard.DenyAsync(user, IncidentRole, action, id) is { } denied)
        {
            return ActionOutcome<(IncidentUpdate, Incident?)>.Deny(denied);
        }

        if (!IncidentReader.IsValidId(id) || await incidents.GetAsync(id, cancellationToken) is not { } incident)
        {
            await guard.RecordRefusalAsync(user, action, id, "No such incident.");
            return new((IncidentUpdate.NotFound, null));
        }

        var now = time.GetUtcNow();
        var actor = DashboardPrincipal.ActorOf(user);
        IncidentUpdate update;
        if (acknowledge)
        {
            var acknowledged = incident with { Acknowledged = new IncidentAcknowledgement(actor.Id, actor.ToString(), now) };
            var writes = incident.IsOpen && incident.MergedInto is null ? outbox?.PrepareAcknowledgement(acknowledged) : null;
            update = await incidents.AcknowledgeAsync(id, acknowledged.Acknowledged, CancellationToken.None, writes);
            if (update == IncidentUpdate.Done)
            {
                outbox?.StoredAcknowledgement(acknowledged);
            }
        }
        else
        {
            update = await incidents.AcknowledgeAsync(id, null, CancellationToken.None);
        }

        var after = await incidents.GetAsync(id, CancellationToken.None);
        await guard.RecordAsync(user, action, id, update == IncidentUpdate.Done ? AuditOutcomes.Done : AuditOutcomes.Refused, update switch
        {
            IncidentUpdate.Done => null,
            IncidentUpdate.Closed => "The incident is resolved.",
            IncidentUpdate.Unchanged when after?.Acknowledged is { } by => $"Acknowledged already by {by.Actor}.",
            IncidentUpdate.Unchanged => "It was not acknowledged.",
            _ => "No such incident.",
        });
        return new((update, after));
    }

    /// <returns>Refused (invalid) when the text is empty, too long or has control characters.</returns>
    public async Task<ActionOutcome<NoteOutcome>> AddNoteAsync(ClaimsPrincipal user, string incidentId, string? text, CancellationToken cancellationToken)
    {
        if (await guard.DenyAsync(user, IncidentRole, AuditAction.IncidentNoteAdd, incidentId) is { } denied)
        {
            return ActionOutcome<NoteOutcome>.Deny(denied);
        }

        if (Invalid(text) is { } invalid)
        {
            await guard.RecordRefusalAsync(user, AuditAction.IncidentNoteAdd, incidentId, invalid);
            return ActionOutcome<NoteOutcome>.Refuse(invalid);
        }

        if (!IncidentReader.IsValidId(incidentId) || await incidents.GetAsync(incidentId, cancellationToken) is null)
        {
            await guard.RecordRefusalAsync(user, AuditAction.IncidentNoteAdd, incidentId, "No such incident.");
            return new(new NoteOutcome(NoteResult.UnknownIncident));
        }

        if ((await incidents.ListNotesAsync(incidentId, cancellationToken)).Count >= MaxNotes)
        {
            await guard.RecordRefusalAsync(user, AuditAction.IncidentNoteAdd, incidentId, $"The incident has {MaxNotes} notes already.");
            return new(new NoteOutcome(NoteResult.TooMany));
        }

        var actor = DashboardPrincipal.ActorOf(user);
        var note = new IncidentNote(Guid.NewGuid().ToString("N"), incidentId, actor.Id, actor.ToString(), time.GetUtcNow(), null, text!.Trim());
        var added = await incidents.AddNoteAsync(note, CancellationToken.None);
        await guard.RecordAsync(user, AuditAction.IncidentNoteAdd, incidentId, added == IncidentUpdate.Done ? AuditOutcomes.Done : AuditOutcomes.Refused,
            added == IncidentUpdate.Done ? $"note {note.Id}: {Clip(note.Text)}" : "No such incident.");
        return new(added == IncidentUpdate.Done ? new NoteOutcome(NoteResult.Written, note) : new NoteOutcome(NoteResult.UnknownIncident));
    }

    /// <summary>Its author, within <see cref="NoteEditWindow"/> of writing it, replaces its text.</summary>
    public async Task<ActionOutcome<NoteOutcome>> EditNoteAsync(ClaimsPrincipal user, string incidentId, string noteId, string? text, CancellationToken cancellationToken)
    {
        var target = $"{incidentId}/{noteId}";
        if (await guard.DenyAsync(user, IncidentRole, AuditAction.IncidentNoteEdit, target) is { } denied)
        {
            return ActionOutcome<NoteOutcome>.Deny(denied);
        }

        if (Invalid(text) is { } invalid)
        {
            await guard.RecordRefusalAsync(user, AuditAction.IncidentNoteEdit, target, invalid);
            return ActionOutcome<NoteOutcome>.Refuse(invalid);
        }

        var note = IncidentReader.IsValidId(incidentId) && IncidentReader.IsValidId(noteId)
            ? (await incidents.ListNotesAsync(incidentId, cancellationToken)).FirstOrDefault(n => n.Id == noteId)
            : null;
        var now = time.GetUtcNow();
        var result = note switch
        {
            null => NoteResult.UnknownNote,
            _ when note.AuthorId != DashboardPrincipal.ActorOf(user).Id => NoteResult.NotAuthor,
            _ when now - note.CreatedAt > NoteEditWindow => NoteResult.TooLate,
            _ => NoteResult.Written,
        };
        if (result == NoteResult.Written && await incidents.EditNoteAsync(incidentId, noteId, text!.Trim(), now, CancellationToken.None) != IncidentUpdate.Done)
        {
            result = NoteResult.UnknownNote;
        }

        await guard.RecordAsync(user, AuditAction.IncidentNoteEdit, target, result == NoteResult.Written ? AuditOutcomes.Done : AuditOutcomes.Refused, result switch
        {
            NoteResult.Written => Clip(text!.Trim()),
            NoteResult.NotAuthor => $"Only its author ({note!.Author}) may edit a note.",
            NoteResult.TooLate => $"A note can be edited for {NoteEditWindow.TotalMinutes:0} minutes after it is written.",
            _ => "No such note.",
        });
        return new(new NoteOutcome(result, result == NoteResult.Written ? note! with { Text = text!.Trim(), EditedAt = now } : note));
    }

    /// <summary>Why a note's text is refused: 1 to <see cref="MaxNoteLength"/> characters after trimming, no control characters but line breaks and tabs.</summary>
    public static string? Invalid(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxNoteLength)
        {
            return $"A note is 1 to {MaxNoteLength:N0} characters after trimming (got {trimmed.Length:N0}).";
        }

        return trimmed.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')) ? "A note may not contain control characters other than line breaks and tabs." : null;
    }

    private static string Clip(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
