using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Incidents;

/// <summary>One incident as its page, its API and its postmortem show it.</summary>
/// <param name="Status"><c>open</c>, <c>acknowledged</c> (open, and someone is on it) or <c>resolved</c> (ended and merged incidents are resolved, with their <see cref="EndReason"/>).</param>
/// <param name="Duration">Until it ended, or so far while it is open.</param>
/// <param name="DetectionTime">The first failing run's start minus the last passing run's before it; null when no passing run is stored.</param>
/// <param name="FailingRuns">The root cause's failing runs during the incident, oldest first, with their steps (at most <see cref="IncidentReader.MaxFailingRuns"/>).</param>
/// <param name="Acknowledged">Who is on it, while it is open and acknowledged.</param>
/// <param name="Notes">People's notes, oldest first.</param>
public sealed record IncidentView(
    string Id,
    string RootCause,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    TimeSpan Duration,
    string? FailedStep,
    string? Reason,
    string FirstRunId,
    string? EndReason,
    string? MergedInto,
    TimeSpan? DetectionTime,
    IReadOnlyList<IncidentProbeView> Probes,
    IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<ProbeRun> FailingRuns,
    IncidentAcknowledgement? Acknowledged,
    IReadOnlyList<IncidentNote> Notes)
{
    public bool IsOpen => EndedAt is null;
}

/// <summary>A probe of the incident (the root cause first) and its state now.</summary>
/// <param name="JoinedAt">Its first failing run during the incident.</param>
/// <param name="RecoveredAt">Its first passing run after that, if any.</param>
public sealed record IncidentProbeView(string ProbeId, bool IsRootCause, ProbeOutcome StateNow, ProbeHealth HealthNow, DateTimeOffset? JoinedAt, DateTimeOffset? RecoveredAt);

public enum TimelineKind
{
    Opened,
    Joined,
    Recovered,
    Notification,
    Reminder,
    Action,
    Acknowledged,
    Unacknowledged,
    Note,
    Merged,
    Ended,
    Resolved,
}

/// <summary>One thing that happened, with its time and who did it.</summary>
/// <param name="Actor"><c>probe:{id}</c> for what the probes did, <c>dashboard</c> for its messages, the audit log's actor for actions.</param>
/// <param name="RunId">The run it refers to (opened, joined, recovered, resolved), for a link.</param>
/// <param name="NoteId">A note's id (its text is <paramref name="Text"/>, written by <paramref name="Actor"/>).</param>
/// <param name="EditedAt">When a note was last edited by its author.</param>
public sealed record TimelineEntry(
    DateTimeOffset At,
    TimelineKind Kind,
    string Actor,
    string Text,
    string? ProbeId = null,
    string? RunId = null,
    DateTimeOffset? RunStartedAt = null,
    NotificationView? Notification = null,
    string? NoteId = null,
    DateTimeOffset? EditedAt = null);

/// <summary>A message sent (or tried) for the incident, from the delivery log.</summary>
public sealed record NotificationView(string Channel, string Event, string Outcome, int Attempts, int? LastStatus, string? LastError);

/// <summary>What the stores hold about an incident, read by <see cref="IncidentReader"/>, made into a view by <see cref="IncidentViewBuilder"/>.</summary>
/// <param name="States">The probes' state now (a probe no longer configured is missing).</param>
/// <param name="FirstFailing">Each probe's first failing run during the incident.</param>
/// <param name="Recovered">Each probe's first passing run after its first failing one.</param>
/// <param name="LastPassingBefore">The root cause's last passing run before the incident.</param>
/// <param name="Deliveries">The delivery log's rows with the incident's id, any order.</param>
/// <param name="Audit">Recent audit entries and the incident's own (acknowledgements), any order; the builder keeps those of the incident's span and probes.</param>
/// <param name="Notes">The incident's notes, any order.</param>
public sealed record IncidentFacts(
    Incident Incident,
    IReadOnlyDictionary<string, ProbeState> States,
    IReadOnlyDictionary<string, ProbeRun> FirstFailing,
    IReadOnlyDictionary<string, ProbeRun> Recovered,
    ProbeRun? LastPassingBefore,
    IReadOnlyList<ProbeRun> FailingRuns,
    IReadOnlyList<OutboxEntry> Deliveries,
    IReadOnlyList<AuditEntry> Audit,
    IReadOnlyList<IncidentNote> Notes);

/// <summary>A row of the Incidents list.</summary>
/// <param name="Link">The incident's page.</param>
/// <param name="FirstRunLink">The run that opened it, opened on its probe's page.</param>
/// <param name="AcknowledgedBy">Who is on it, while it is open and acknowledged.</param>
public sealed record IncidentRow(string Id, string RootCause, string Affected, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? EndReason,
    double? DurationMs, string? FailedStep, string FirstRunLink, string? Reason, string Link, string? AcknowledgedBy = null)
{
    public bool IsOpen => EndedAt is null;
}
