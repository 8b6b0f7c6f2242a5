using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Api;

// The public shapes of the REST API and the SignalR hub. Outcomes are strings: Pass, Degraded, Fail, Parked,
// Maintenance (planned work), Interrupted (the dashboard stopped mid-run), Unknown (never run); a run in progress has
// outcome "Running".

public sealed record StepFailureDto(string Kind, string Message, string? ErrorCode, string? RequestId, int? HttpStatus);

public sealed record StepDto(int Index, string Name, string Outcome, DateTimeOffset StartedAt, double DurationMs, string? Detail, StepFailureDto? Failure);

public sealed record RunDto(
    string Id,
    string ProbeId,
    string ProbeKind,
    string Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationMs,
    string Outcome,
    string? Message,
    IReadOnlyList<StepDto> Steps,
    IReadOnlyDictionary<string, double>? Metrics,
    string? MaintenanceWindow = null);

/// <summary>A probe's damped health (Up, Down, Unknown) changed with the run <paramref name="RunId"/>.</summary>
public sealed record HealthChangedDto(string ProbeId, string Health, string RunId, DateTimeOffset At);

public sealed record TrendPointDto(DateTimeOffset StartedAt, double DurationMs, string Outcome);

public sealed record ProbeDto(
    string Id,
    string Kind,
    string Schedule,
    bool Enabled,
    string Status,
    string Health,
    bool Running,
    RunDto? LastRun,
    RunDto? CurrentRun,
    IReadOnlyList<TrendPointDto> Trend);

public sealed record StatusSnapshotDto(DateTimeOffset At, IReadOnlyList<ProbeDto> Probes);

public sealed record StepCompletedDto(string RunId, string ProbeId, StepDto Step);

public sealed record RunAcceptedDto(string ProbeId, string RunId);

public sealed record RunSkippedDto(string ProbeId, string Reason, double? RetryAfterSeconds);

public sealed record RunAllResultDto(IReadOnlyList<RunAcceptedDto> Accepted, IReadOnlyList<RunSkippedDto> Skipped);

/// <param name="ProbeId">The root cause (the same as <paramref name="RootCause"/>, kept for existing clients).</param>
/// <param name="AffectedProbes">Probes Down because they need the root cause.</param>
/// <param name="EndReason">Why it ended when not by a pass (e.g. "ended: service parked").</param>
public sealed record IncidentDto(string Id, string ProbeId, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double? DurationMs, string FirstRunId,
    string? FailedStep, string? Reason, string RootCause, IReadOnlyList<string> AffectedProbes, string? EndReason);

/// <param name="Uptime">The share of the covered time that was up (Pass or Degraded), of up and down; null: no time counted.</param>
/// <param name="Runs">Runs that started in the window, of every outcome (kept for existing clients; uptime is by time).</param>
/// <param name="CoveredSeconds">
/// The time the figure is over: up and down, without parked, maintenance and interrupted time, nor time with no runs
/// (a run's outcome holds until the next run, at most the probe's interval + timeout). For the platform, the
/// best-covered probe's. Less than the window's length: the figure is over that much data, not the whole window.
/// </param>
/// <param name="Since">Where the window's counted time starts (the window's start at the earliest); null: none.</param>
public sealed record UptimeWindowDto(string Window, double? Uptime, int Runs, int Failed, int Parked, int Maintenance, int Interrupted,
    double CoveredSeconds, DateTimeOffset? Since);

/// <param name="ProbeId">Null for the whole platform.</param>
public sealed record UptimeDto(string? ProbeId, IReadOnlyList<UptimeWindowDto> Windows);

public sealed record FaultDto(string Mode, int LatencyMs, double ErrorRate);

public static class ContractMapping
{
    public static StepDto ToDto(this StepResult step) => new(step.Index, step.Name, step.Outcome.ToString(), step.StartedAt,
        Math.Round(step.DurationMs, 1), step.Detail,
        step.Failure is { } f ? new StepFailureDto(f.Kind, f.Message, f.ErrorCode, f.RequestId, f.HttpStatus) : null);

    public static RunDto ToDto(this ProbeRun run) => new(run.Id, run.ProbeId, run.ProbeKind, run.Trigger.ToString(), run.StartedAt,
        run.EndedAt, run.DurationMs is { } ms ? Math.Round(ms, 1) : null, run.IsRunning ? "Running" : run.Outcome.ToString(),
        run.Message, [.. run.Steps.Select(ToDto)], run.Metrics, run.MaintenanceWindow);

    public static ProbeDto ToDto(this ProbeState state) => new(state.ProbeId, state.Kind, state.Schedule, state.Enabled,
        state.Status.ToString(), state.Health.ToString(), state.CurrentRun is not null, state.LastRun?.ToDto(), state.CurrentRun?.ToDto(),
        [.. state.Trend.Select(p => new TrendPointDto(p.StartedAt, Math.Round(p.DurationMs, 1), p.Outcome.ToString()))]);

    public static string Describe(this StepFailure failure) => ProbeRunner.FormatFailure(failure);

    public static IncidentDto ToDto(this Probes.Health.Incident incident) => new(incident.Id, incident.ProbeId, incident.StartedAt, incident.EndedAt,
        incident.Duration?.TotalMilliseconds, incident.FirstRunId, incident.FailedStep, incident.Reason, incident.RootCause, incident.Affected, incident.EndReason);
}

/// <summary>One incident with its timeline (<c>GET /api/incidents/{id}</c>).</summary>
/// <param name="Status"><c>open</c>, <c>acknowledged</c> or <c>resolved</c>.</param>
/// <param name="DurationMs">Until it ended, or so far.</param>
/// <param name="DetectionMs">First failing run minus the last passing run before it; null when none is stored.</param>
/// <param name="Postmortem">The postmortem's address (Markdown).</param>
/// <param name="Acknowledged">Who is on it and since when, while it is open and acknowledged.</param>
/// <param name="Notes">People's notes, oldest first (also in the timeline).</param>
public sealed record IncidentDetailDto(string Id, string RootCause, string Status, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double DurationMs,
    string? FailedStep, string? Reason, string FirstRunId, string? EndReason, string? MergedInto, double? DetectionMs,
    IReadOnlyList<IncidentProbeDto> Probes, IReadOnlyList<TimelineEntryDto> Timeline, IReadOnlyList<RunDto> FailingRuns, string Postmortem,
    IncidentAcknowledgementDto Acknowledged, IReadOnlyList<IncidentNoteDto> Notes);

/// <param name="Acknowledged">Someone is on it: its reminders stop.</param>
public sealed record IncidentAcknowledgementDto(bool Acknowledged, string? By, DateTimeOffset? At);

/// <param name="Text">Plain text, as written.</param>
/// <param name="EditableUntil">Until when its author may edit it.</param>
public sealed record IncidentNoteDto(string Id, string Author, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt, DateTimeOffset EditableUntil, string Text);

/// <summary>The body of a note: plain text, 1 to 4,000 characters after trimming.</summary>
public sealed record IncidentNoteRequest(string? Text);

/// <param name="State">Its last run's outcome now; <paramref name="Health"/> its damped status.</param>
/// <param name="JoinedAt">Its first failing run during the incident.</param>
/// <param name="RecoveredAt">Its first passing run after that.</param>
public sealed record IncidentProbeDto(string ProbeId, bool RootCause, string State, string Health, DateTimeOffset? JoinedAt, DateTimeOffset? RecoveredAt);

/// <param name="Kind">opened, joined, recovered, notification, reminder, action, acknowledged, unacknowledged, note, merged, ended or resolved.</param>
/// <param name="Notification">For a message: its channel, event, outcome and attempts.</param>
public sealed record TimelineEntryDto(DateTimeOffset At, string Kind, string Actor, string Text, string? ProbeId, string? RunId,
    Incidents.NotificationView? Notification);

public static class IncidentContractMapping
{
    public static IncidentDetailDto ToDetailDto(this Incidents.IncidentView view) => new(view.Id, view.RootCause, view.Status, view.StartedAt, view.EndedAt,
        Math.Round(view.Duration.TotalMilliseconds), view.FailedStep, view.Reason, view.FirstRunId, view.EndReason, view.MergedInto,
        view.DetectionTime is { } detection ? Math.Round(detection.TotalMilliseconds) : null,
        [.. view.Probes.Select(p => new IncidentProbeDto(p.ProbeId, p.IsRootCause, p.StateNow.ToString(), p.HealthNow.ToString(), p.JoinedAt, p.RecoveredAt))],
        [.. view.Timeline.Select(e => new TimelineEntryDto(e.At, e.Kind.ToString().ToLowerInvariant(), e.Actor, e.Text, e.ProbeId, e.RunId, e.Notification))],
        [.. view.FailingRuns.Select(r => r.ToDto())],
        $"/api/incidents/{Uri.EscapeDataString(view.Id)}/postmortem",
        ToDto(view.Acknowledged), [.. view.Notes.Select(ToDto)]);

    public static IncidentAcknowledgementDto ToDto(Probes.Health.IncidentAcknowledgement? acknowledged) =>
        new(acknowledged is not null, acknowledged?.Actor, acknowledged?.At);

    public static IncidentNoteDto ToDto(this Probes.Health.IncidentNote note) =>
        new(note.Id, note.Author, note.CreatedAt, note.EditedAt, note.CreatedAt + Security.IncidentActions.NoteEditWindow, note.Text);
}
