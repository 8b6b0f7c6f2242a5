namespace Webordinary.Dashboard.Probes.Health;

/// <summary>
/// A problem with one root cause: from the first failing run of the root cause's streak until the run that brought it
/// Up again. Probes that failed because they need the root cause (<c>DependsOn</c>) are its <see cref="AffectedProbes"/>,
/// not incidents of their own.
/// </summary>
/// <param name="ProbeId">The root cause: the probe whose failure this is.</param>
/// <param name="AffectedProbes">Probes that went Down because they need the root cause, in the order they did.</param>
/// <param name="EndReason">Why it ended, when not by the root cause passing again (e.g. "ended: service parked").</param>
/// <param name="MergedInto">This incident turned out to be part of another (its root cause went Down too): that one's id.</param>
/// <param name="Acknowledged">Who said "I'm on it", and when; set by people, never by the probes (the tracker's copy has none).</param>
public sealed record Incident(
    string Id,
    string ProbeId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string FirstRunId,
    string? FailedStep,
    string? Reason,
    IReadOnlyList<string>? AffectedProbes = null,
    string? EndReason = null,
    string? MergedInto = null,
    IncidentAcknowledgement? Acknowledged = null)
{
    public string RootCause => ProbeId;

    public IReadOnlyList<string> Affected => AffectedProbes ?? [];

    public TimeSpan? Duration => EndedAt - StartedAt;

    public bool IsOpen => EndedAt is null;
}

/// <summary>Someone working the incident: its "still open" reminders stop until it is un-acknowledged.</summary>
/// <param name="ActorId">The actor's stable id (the audit log's), <paramref name="Actor"/> what people read.</param>
public sealed record IncidentAcknowledgement(string ActorId, string Actor, DateTimeOffset At);

/// <summary>A note someone wrote on an incident: plain text, shown as written.</summary>
/// <param name="AuthorId">The author's stable id: only they may edit it, for <c>IncidentNotes.EditWindow</c> after writing it.</param>
public sealed record IncidentNote(string Id, string IncidentId, string AuthorId, string Author, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt, string Text);

/// <summary>How a change that people make to an incident went.</summary>
public enum IncidentUpdate
{
    /// <summary>Made (and what it causes written with it).</summary>
    Done,

    /// <summary>It was so already (acknowledged twice, un-acknowledged when it was not): nothing written.</summary>
    Unchanged,

    /// <summary>The incident is resolved, ended or merged: it can no longer change.</summary>
    Closed,

    NotFound,
}

public enum IncidentChangeKind
{
    /// <summary>A root cause went Down.</summary>
    Opened,

    /// <summary>A probe that needs the root cause went Down and was added to its affected probes.</summary>
    Joined,

    /// <summary>The incident's root cause turned out to need another probe that went Down: it is part of that one's now.</summary>
    Merged,

    /// <summary>The root cause passed again.</summary>
    Resolved,

    /// <summary>Ended without a resolution: the root cause's service was parked on purpose.</summary>
    Ended,
}

/// <summary>One change of one incident, in the order they happened (what notifications will follow).</summary>
/// <param name="ProbeId">The probe that caused the change (the one that joined, or was parked).</param>
public sealed record IncidentChange(IncidentChangeKind Kind, Incident Incident, string ProbeId);
