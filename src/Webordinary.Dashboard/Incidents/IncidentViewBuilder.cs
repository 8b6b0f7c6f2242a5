using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Incidents;

/// <summary>Makes the incident page's and the list's views from what the stores hold: pure, so the order and wording are tested alone.</summary>
public static class IncidentViewBuilder
{
    /// <summary>The audit log's actions that can bear on an incident: runs, scale changes and parking, maintenance, schedules, faults.</summary>
    private static readonly HashSet<AuditAction> IncidentActions =
    [
        AuditAction.RunNow, AuditAction.RunAll, AuditAction.Scale, AuditAction.MaintenanceStart, AuditAction.MaintenanceEnd,
        AuditAction.SchedulePause, AuditAction.ScheduleResume, AuditAction.SandboxFault,
    ];

    public static IncidentView Build(IncidentFacts facts, DateTimeOffset now)
    {
        var incident = facts.Incident;
        var end = incident.EndedAt ?? now;
        var probeIds = new List<string> { incident.RootCause };
        probeIds.AddRange(incident.Affected.Where(p => p != incident.RootCause));
        var probes = probeIds.Select(p => new IncidentProbeView(
            p,
            p == incident.RootCause,
            facts.States.TryGetValue(p, out var state) ? state.Status : ProbeOutcome.Unknown,
            state?.Health ?? ProbeHealth.Unknown,
            p == incident.RootCause ? incident.StartedAt : facts.FirstFailing.GetValueOrDefault(p)?.StartedAt,
            facts.Recovered.GetValueOrDefault(p)?.StartedAt)).ToList();

        var timeline = new List<TimelineEntry>
        {
            new(incident.StartedAt, TimelineKind.Opened, Actor.Probe(incident.RootCause).Id,
                $"Opened: {incident.RootCause} down" + (IncidentText.Reason(incident) is { } reason ? $": {reason}" : ""),
                incident.RootCause, incident.FirstRunId, incident.StartedAt),
        };
        foreach (var probe in probes)
        {
            if (!probe.IsRootCause)
            {
                var run = facts.FirstFailing.GetValueOrDefault(probe.ProbeId);
                timeline.Add(new(run?.StartedAt ?? incident.StartedAt, TimelineKind.Joined, Actor.Probe(probe.ProbeId).Id,
                    $"{probe.ProbeId} joined: it needs {incident.RootCause}" + (run?.Message is { } message ? $" ({message})" : ""),
                    probe.ProbeId, run?.Id, run?.StartedAt));
            }

            if (facts.Recovered.GetValueOrDefault(probe.ProbeId) is { } recovered && !(probe.IsRootCause && incident.EndedAt is not null))
            {
                timeline.Add(new(recovered.StartedAt, TimelineKind.Recovered, Actor.Probe(probe.ProbeId).Id, $"{probe.ProbeId} passed again",
                    probe.ProbeId, recovered.Id, recovered.StartedAt));
            }
        }

        timeline.AddRange(facts.Deliveries.Select(Notification));
        timeline.AddRange(facts.Audit
            .Where(a => a.At >= incident.StartedAt && a.At <= end && IncidentActions.Contains(a.Action)
                && (a.Action != AuditAction.RunNow || probeIds.Contains(a.Target)))
            .Select(Action));
        timeline.AddRange(facts.Audit
            .Where(a => a.Action is AuditAction.IncidentAcknowledge or AuditAction.IncidentUnacknowledge && a.Target == incident.Id && a.Outcome == AuditOutcomes.Done)
            .DistinctBy(a => a.Id)
            .Select(a => a.Action == AuditAction.IncidentAcknowledge
                ? new TimelineEntry(a.At, TimelineKind.Acknowledged, a.Actor.ToString(), $"Acknowledged by {a.Actor}: reminders stop")
                : new TimelineEntry(a.At, TimelineKind.Unacknowledged, a.Actor.ToString(), $"Un-acknowledged by {a.Actor}: reminders resume")));
        timeline.AddRange(facts.Notes.Select(n => new TimelineEntry(n.CreatedAt, TimelineKind.Note, n.Author, n.Text, NoteId: n.Id, EditedAt: n.EditedAt)));
        if (incident.EndedAt is { } endedAt)
        {
            var recovered = facts.Recovered.GetValueOrDefault(incident.RootCause);
            timeline.Add(incident switch
            {
                { MergedInto: { } other } => new(endedAt, TimelineKind.Merged, Actor.Probe(incident.RootCause).Id,
                    $"Merged into incident {other}" + (incident.EndReason is { } why ? $" ({why})" : "")),
                { EndReason: { } why } => new(endedAt, TimelineKind.Ended, Actor.Probe(incident.RootCause).Id, $"Ended: {why}"),
                _ => new(endedAt, TimelineKind.Resolved, Actor.Probe(incident.RootCause).Id, $"Resolved: {incident.RootCause} passed again",
                    incident.RootCause, recovered?.Id, recovered?.StartedAt),
            });
        }

        // Newest last; at one instant, in the order things follow each other (opened first, resolved last).
        var ordered = timeline.Select((entry, index) => (entry, index)).OrderBy(e => e.entry.At).ThenBy(e => e.entry.Kind).ThenBy(e => e.index)
            .Select(e => e.entry).ToList();
        var first = facts.FailingRuns.FirstOrDefault(r => r.Id == incident.FirstRunId)?.StartedAt ?? incident.StartedAt;
        var acknowledged = incident.IsOpen && incident.MergedInto is null ? incident.Acknowledged : null;
        return new IncidentView(incident.Id, incident.RootCause, !incident.IsOpen ? "resolved" : acknowledged is null ? "open" : "acknowledged", incident.StartedAt, incident.EndedAt,
            end - incident.StartedAt, incident.FailedStep, incident.Reason, incident.FirstRunId, incident.EndReason, incident.MergedInto,
            facts.LastPassingBefore is { } lastPass ? first - lastPass.StartedAt : null,
            probes, ordered, [.. facts.FailingRuns.OrderBy(r => r.StartedAt)], acknowledged, [.. facts.Notes.OrderBy(n => n.CreatedAt).ThenBy(n => n.Id)]);
    }

    public static IncidentRow Row(Incident incident) => new(incident.Id, incident.RootCause, string.Join(", ", incident.Affected), incident.StartedAt,
        incident.EndedAt, incident.EndReason, incident.Duration?.TotalMilliseconds, incident.FailedStep,
        ProbeLinks.Run(incident.RootCause, incident.FirstRunId, incident.StartedAt), incident.Reason, $"incidents/{Uri.EscapeDataString(incident.Id)}",
        incident.IsOpen ? incident.Acknowledged?.Actor : null);

    private static TimelineEntry Notification(OutboxEntry entry)
    {
        var outcome = entry.State.ToString().ToLowerInvariant();
        var text = $"{entry.Event.Name()} message to {entry.Channel}: {outcome} after {entry.Attempts} attempt(s)"
            + (entry.LastStatus is { } status ? $", HTTP {status}" : "")
            + (entry.State != DeliveryState.Delivered && entry.LastError is { } error ? $" ({error})" : "");
        return new(entry.DeliveredAt ?? entry.LastAttemptAt ?? entry.CreatedAt, entry.Event == NotificationEvent.StillOpen ? TimelineKind.Reminder : TimelineKind.Notification,
            "dashboard", text, entry.ProbeId,
            Notification: new NotificationView(entry.Channel, entry.Event.Name(), outcome, entry.Attempts, entry.LastStatus, entry.LastError));
    }

    private static TimelineEntry Action(AuditEntry entry)
    {
        var change = entry.Scale is { } scale ? $" {scale.From} → {scale.To}" + (scale.To == 0 ? " (parked)" : "") : "";
        return new(entry.At, TimelineKind.Action, entry.Actor.ToString(),
            $"{entry.Action} {entry.Target}{change}: {entry.Outcome}" + (entry.Message is { Length: > 0 } message ? $" ({message})" : ""),
            entry.Action == AuditAction.RunNow ? entry.Target : null);
    }
}
