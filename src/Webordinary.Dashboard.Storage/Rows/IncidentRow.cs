using System.Text.Json;
using Webordinary.Dashboard.Probes.Health;

namespace Webordinary.Dashboard.Storage.Rows;

/// <summary>An incident as every engine stores it (<c>incidents</c>' columns; times in Unix milliseconds, affected probes as a JSON array).</summary>
public sealed class IncidentRow
{
    /// <summary>Sets an open incident's acknowledgement (parameters: <c>id</c>, <c>ActorId</c>, <c>Actor</c>, <c>At</c>) unless it has one: one row, or none.</summary>
    public const string Acknowledge =
        """
        UPDATE incidents SET acknowledged_by_id = @ActorId, acknowledged_by = @Actor, acknowledged_at = @At
        WHERE id = @id AND ended_at IS NULL AND merged_into IS NULL AND acknowledged_at IS NULL;
        """;

    /// <summary>Clears an open incident's acknowledgement (parameter: <c>id</c>) if it has one: one row, or none.</summary>
    public const string Unacknowledge =
        """
        UPDATE incidents SET acknowledged_by_id = NULL, acknowledged_by = NULL, acknowledged_at = NULL
        WHERE id = @id AND ended_at IS NULL AND merged_into IS NULL AND acknowledged_at IS NOT NULL;
        """;

    /// <summary>The parameters of <see cref="Acknowledge"/> or <see cref="Unacknowledge"/>.</summary>
    public static object AcknowledgementParameters(string id, IncidentAcknowledgement? acknowledgement) =>
        new { id, acknowledgement?.ActorId, acknowledgement?.Actor, At = acknowledgement?.At.ToUnixTimeMilliseconds() };

    public string Id { get; init; } = "";
    public string ProbeId { get; init; } = "";
    public long StartedAt { get; init; }
    public long? EndedAt { get; init; }
    public string FirstRunId { get; init; } = "";
    public string? FailedStep { get; init; }
    public string? Reason { get; init; }
    public string? AffectedProbes { get; init; }
    public string? EndReason { get; init; }
    public string? MergedInto { get; init; }
    public string? AcknowledgedById { get; init; }
    public string? AcknowledgedBy { get; init; }
    public long? AcknowledgedAt { get; init; }

    public Incident ToIncident() => new(Id, ProbeId, DateTimeOffset.FromUnixTimeMilliseconds(StartedAt),
        EndedAt is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null, FirstRunId, FailedStep, Reason,
        AffectedProbes is null ? null : JsonSerializer.Deserialize<string[]>(AffectedProbes), EndReason, MergedInto,
        AcknowledgedAt is { } at ? new IncidentAcknowledgement(AcknowledgedById ?? "", AcknowledgedBy ?? "", DateTimeOffset.FromUnixTimeMilliseconds(at)) : null);
}

/// <summary>A note as every engine stores it (<c>incident_notes</c>' columns).</summary>
public sealed class IncidentNoteRow
{
    public const string Columns =
        "id AS Id, incident_id AS IncidentId, author_id AS AuthorId, author AS Author, created_at AS CreatedAt, edited_at AS EditedAt, text AS Text";

    /// <summary>Adds a note (parameters: <see cref="From"/>) only when its incident exists: one row, or none.</summary>
    public const string Insert =
        """
        INSERT INTO incident_notes (id, incident_id, author_id, author, created_at, edited_at, text)
        SELECT @Id, @IncidentId, @AuthorId, @Author, @CreatedAt, NULL, @Text WHERE EXISTS (SELECT 1 FROM incidents WHERE id = @IncidentId);
        """;

    /// <summary>Replaces a note's text (parameters: <c>incidentId</c>, <c>noteId</c>, <c>text</c>, <c>editedAt</c>): one row, or none.</summary>
    public const string Edit = "UPDATE incident_notes SET text = @text, edited_at = @editedAt WHERE id = @noteId AND incident_id = @incidentId;";

    public const string ListOfIncident = $"SELECT {Columns} FROM incident_notes WHERE incident_id = @incidentId ORDER BY created_at, id;";

    public string Id { get; init; } = "";
    public string IncidentId { get; init; } = "";
    public string AuthorId { get; init; } = "";
    public string Author { get; init; } = "";
    public long CreatedAt { get; init; }
    public long? EditedAt { get; init; }
    public string Text { get; init; } = "";

    public static IncidentNoteRow From(IncidentNote note) => new()
    {
        Id = note.Id,
        IncidentId = note.IncidentId,
        AuthorId = note.AuthorId,
        Author = note.Author,
        CreatedAt = note.CreatedAt.ToUnixTimeMilliseconds(),
        EditedAt = note.EditedAt?.ToUnixTimeMilliseconds(),
        Text = note.Text,
    };

    public IncidentNote ToNote() => new(Id, IncidentId, AuthorId, Author, DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
        EditedAt is { } edited ? DateTimeOffset.FromUnixTimeMilliseconds(edited) : null, Text);
}
