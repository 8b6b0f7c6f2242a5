using Webordinary.Dashboard.Incidents;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Tests.Incidents;

/// <summary>The incident's view and its postmortem from what the stores hold: order, wording, filtering and escaping.</summary>
public sealed class IncidentViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 20, 30, 0, TimeSpan.Zero);

    private static ProbeRun Run(string probe, string id, DateTimeOffset at, ProbeOutcome outcome, string? message = null, params StepResult[] steps) =>
        new(id, probe, "Kind", RunTrigger.Schedule, at, at.AddSeconds(1), 1000, outcome, message, steps);

    private static OutboxEntry Delivery(NotificationEvent notificationEvent, DateTimeOffset at, DeliveryState state, int attempts, string? error = null) =>
        new(1, $"i1:{notificationEvent.Name()}:ops", "ops", notificationEvent, "i1", "table", at, at, null, state, attempts, at, state == DeliveryState.Delivered ? 200 : 500, error,
            state == DeliveryState.Delivered ? at : null, "{}");

    private static IncidentFacts Facts(Incident incident, IReadOnlyList<OutboxEntry>? deliveries = null, IReadOnlyList<AuditEntry>? audit = null,
        ProbeRun? lastPass = null, Dictionary<string, ProbeRun>? recovered = null, IReadOnlyList<IncidentNote>? notes = null) =>
        new(incident,
            new Dictionary<string, ProbeState> { ["table"] = new("table", "Kind", "30 s", true, Run("table", "r9", T0.AddMinutes(9), ProbeOutcome.Fail), null, [], ProbeHealth.Down) },
            new Dictionary<string, ProbeRun> { ["table"] = Run("table", "r1", T0, ProbeOutcome.Fail), ["flow"] = Run("flow", "f1", T0.AddMinutes(1), ProbeOutcome.Fail, "needs table") },
            recovered ?? [],
            lastPass,
            [Run("table", "r1", T0, ProbeOutcome.Fail, "Describe table: down")],
            deliveries ?? [],
            audit ?? [],
            notes ?? []);

    private static Incident Open() => new("i1", "table", T0, null, "r1", "Describe table", "Describe table: ServiceUnavailable", ["flow"]);

    [Fact]
    public void The_timeline_is_newest_last_with_each_entry_its_actor_and_only_the_actions_of_the_incident()
    {
        var scale = new AuditEntry("a1", T0.AddMinutes(3), new Actor("u1", "Ann", "cookie"), AuditAction.Scale, "hermes", ScaleOutcome.Completed.ToString(), null,
            new ScaleChange(2, 0, ScaleReason.Manual));
        var runNowOther = new AuditEntry("a2", T0.AddMinutes(4), Actor.Local, AuditAction.RunNow, "unrelated-probe", AuditOutcomes.Done, null);
        var runNow = new AuditEntry("a3", T0.AddMinutes(5), Actor.Local, AuditAction.RunNow, "flow", AuditOutcomes.Done, null);
        var before = new AuditEntry("a4", T0.AddMinutes(-5), Actor.Local, AuditAction.RunNow, "table", AuditOutcomes.Done, null);
        var keys = new AuditEntry("a5", T0.AddMinutes(6), Actor.Local, AuditAction.ApiKeyCreate, "k", AuditOutcomes.Done, null);
        var incident = Open() with { EndedAt = T0.AddMinutes(10) };
        var facts = Facts(incident,
            [Delivery(NotificationEvent.StillOpen, T0.AddMinutes(8), DeliveryState.Delivered, 1), Delivery(NotificationEvent.Opened, T0.AddMinutes(2), DeliveryState.Dead, 5, "HTTP 500")],
            [keys, runNow, runNowOther, scale, before],
            recovered: new() { ["table"] = Run("table", "r10", T0.AddMinutes(10), ProbeOutcome.Pass), ["flow"] = Run("flow", "f9", T0.AddMinutes(9), ProbeOutcome.Pass) });

        var view = IncidentViewBuilder.Build(facts, T0.AddHours(1));

        Assert.Equal(
            [TimelineKind.Opened, TimelineKind.Joined, TimelineKind.Notification, TimelineKind.Action, TimelineKind.Action, TimelineKind.Reminder, TimelineKind.Recovered, TimelineKind.Resolved],
            view.Timeline.Select(e => e.Kind));
        Assert.Equal(["probe:table", "probe:flow", "dashboard", "Ann (cookie)", "local", "dashboard", "probe:flow", "probe:table"], view.Timeline.Select(e => e.Actor));
        Assert.Equal("Opened: table down: step “Describe table” failed: ServiceUnavailable", view.Timeline[0].Text);
        Assert.Equal(("opened", "dead", 5), (view.Timeline[2].Notification!.Event, view.Timeline[2].Notification!.Outcome, view.Timeline[2].Notification!.Attempts));
        Assert.Contains("HTTP 500", view.Timeline[2].Text);
        Assert.Equal("Scale hermes 2 → 0 (parked): Completed", view.Timeline[3].Text);
        Assert.Equal(("resolved", TimeSpan.FromMinutes(10)), (view.Status, view.Duration));
        Assert.Equal("r10", view.Timeline[^1].RunId);
    }

    [Fact]
    public void The_probes_are_the_root_cause_then_the_affected_with_their_state_now_and_detection_is_first_failing_minus_last_passing()
    {
        var view = IncidentViewBuilder.Build(Facts(Open(), lastPass: Run("table", "r0", T0.AddSeconds(-30), ProbeOutcome.Pass)), T0.AddMinutes(20));

        Assert.Equal(["table", "flow"], view.Probes.Select(p => p.ProbeId));
        Assert.Equal((true, ProbeOutcome.Fail, ProbeHealth.Down), (view.Probes[0].IsRootCause, view.Probes[0].StateNow, view.Probes[0].HealthNow));
        // A probe the feed does not know any more is Unknown, not left out.
        Assert.Equal((false, ProbeOutcome.Unknown, (DateTimeOffset?)T0.AddMinutes(1)), (view.Probes[1].IsRootCause, view.Probes[1].StateNow, view.Probes[1].JoinedAt));
        Assert.Equal(("open", TimeSpan.FromMinutes(20), (TimeSpan?)TimeSpan.FromSeconds(30)), (view.Status, view.Duration, view.DetectionTime));
        Assert.DoesNotContain(view.Timeline, e => e.Kind is TimelineKind.Resolved or TimelineKind.Recovered);
    }

    [Fact]
    public void A_merged_incident_ends_with_merged_into_the_other()
    {
        var incident = Open() with { EndedAt = T0.AddMinutes(2), MergedInto = "i0", EndReason = "merged into ecs's incident" };

        var view = IncidentViewBuilder.Build(Facts(incident), T0.AddHours(1));

        Assert.Equal((TimelineKind.Merged, "Merged into incident i0 (merged into ecs's incident)"), (view.Timeline[^1].Kind, view.Timeline[^1].Text));
        Assert.Null(view.DetectionTime);
    }

    [Fact]
    public void The_postmortem_has_the_summary_the_timeline_and_the_failing_steps()
    {
        var step = new StepResult(0, "Describe table", StepOutcome.Fail, T0, 120, null, new StepFailure("Aws", "down", "ServiceUnavailable", "req-1", 503));
        var facts = Facts(Open() with { EndedAt = T0.AddMinutes(10) }, [Delivery(NotificationEvent.Opened, T0.AddMinutes(2), DeliveryState.Delivered, 1)],
            lastPass: Run("table", "r0", T0.AddSeconds(-30), ProbeOutcome.Pass)) with { FailingRuns = [Run("table", "r1", T0, ProbeOutcome.Fail, "Describe table: down", step)] };

        var markdown = IncidentPostmortem.Write(IncidentViewBuilder.Build(facts, T0.AddHours(1)));

        Assert.Contains("- **Start:** 2026-12-01 20:30:00", markdown);
        Assert.Contains("- **End:** 2026-12-01 20:40:00", markdown);
        Assert.Contains("- **Duration:** 10 min", markdown);
        Assert.Contains("- **Detection time:** 30 s", markdown);
        Assert.Contains("- **Affected probes:** flow", markdown);
        Assert.Contains("| 2026-12-01 20:32:00 | Notification | dashboard | opened message to ops: delivered after 1 attempt(s), HTTP 200 |", markdown);
        Assert.Contains("| 1 | Describe table | Fail | 120 ms | ", markdown);
        Assert.Contains("ServiceUnavailable", markdown[markdown.IndexOf("## Failing runs", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void Acknowledgements_and_notes_are_in_the_timeline_with_their_actor_and_the_postmortem_has_the_notes()
    {
        var ann = new Actor("u1", "Ann", "cookie");
        var acknowledge = new AuditEntry("a1", T0.AddMinutes(2), ann, AuditAction.IncidentAcknowledge, "i1", AuditOutcomes.Done, null);
        var refused = new AuditEntry("a2", T0.AddMinutes(3), ann, AuditAction.IncidentAcknowledge, "i1", AuditOutcomes.Refused, "Acknowledged already by Ann (cookie).");
        var other = new AuditEntry("a3", T0.AddMinutes(3), ann, AuditAction.IncidentAcknowledge, "i2", AuditOutcomes.Done, null);
        var unacknowledge = new AuditEntry("a4", T0.AddMinutes(4), ann, AuditAction.IncidentUnacknowledge, "i1", AuditOutcomes.Done, null);
        var note = new IncidentNote("n1", "i1", "u1", "Ann (cookie)", T0.AddMinutes(5), T0.AddMinutes(6), "<b>restarted</b> the task\n- then watched");
        var incident = Open() with { Acknowledged = new IncidentAcknowledgement("u1", "Ann (cookie)", T0.AddMinutes(7)) };

        // The same entry read twice (the recent log and the incident's own) is one timeline entry.
        var view = IncidentViewBuilder.Build(Facts(incident, audit: [acknowledge, refused, other, unacknowledge, acknowledge], notes: [note]), T0.AddMinutes(8));

        Assert.Equal([TimelineKind.Opened, TimelineKind.Joined, TimelineKind.Acknowledged, TimelineKind.Unacknowledged, TimelineKind.Note], view.Timeline.Select(e => e.Kind));
        Assert.Equal(["Ann (cookie)", "Ann (cookie)", "Ann (cookie)"], view.Timeline.Skip(2).Select(e => e.Actor));
        Assert.Equal((note.Text, "n1"), (view.Timeline[^1].Text, view.Timeline[^1].NoteId));
        Assert.Equal(("acknowledged", "Ann (cookie)"), (view.Status, view.Acknowledged?.Actor));
        var markdown = IncidentPostmortem.Write(view);
        Assert.Contains("- **Acknowledged:** by Ann (cookie) at 2026-12-01 20:37:00", markdown);
        Assert.Contains("## Notes\n\n**2026-12-01 20:35:00 · Ann (cookie)** (edited 2026-12-01 20:36:00)\n\n> \\<b\\>restarted\\</b\\> the task\n> \\- then watched\n", markdown);
        Assert.Contains("| Note | Ann (cookie) | \\<b\\>restarted\\</b\\> the task - then watched |", markdown);
    }

    [Fact]
    public void A_resolved_incident_is_not_shown_acknowledged()
    {
        var incident = Open() with { EndedAt = T0.AddMinutes(9), Acknowledged = new IncidentAcknowledgement("u1", "Ann", T0.AddMinutes(7)) };

        var view = IncidentViewBuilder.Build(Facts(incident), T0.AddMinutes(10));

        Assert.Equal(("resolved", null), (view.Status, view.Acknowledged));
        Assert.Null(IncidentViewBuilder.Row(incident).AcknowledgedBy);
        Assert.Equal("Ann", IncidentViewBuilder.Row(incident with { EndedAt = null }).AcknowledgedBy);
    }

    [Fact]
    public void A_list_row_links_the_incident_page_and_the_run_that_opened_it()
    {
        var row = IncidentViewBuilder.Row(Open() with { AffectedProbes = ["flow", "other"], EndedAt = T0.AddMinutes(2) });

        Assert.Equal(("incidents/i1", "flow, other", false, (double?)120_000), (row.Link, row.Affected, row.IsOpen, row.DurationMs));
        Assert.StartsWith("probes/table?before=", row.FirstRunLink);
        Assert.EndsWith("&run=r1", row.FirstRunLink);
    }

    [Fact]
    public void Text_from_runs_cannot_break_the_markdown()
    {
        var hostile = "step: <script>alert(1)</script> | cell\n# Heading\n[link](http://evil) *bold* `code` \\";

        var escaped = IncidentPostmortem.Escape(hostile);

        Assert.DoesNotContain('\n', escaped);
        Assert.Equal(@"step: \<script\>alert(1)\</script\> \| cell # Heading \[link\](http://evil) \*bold\* \`code\` \\", escaped);
        var markdown = IncidentPostmortem.Write(IncidentViewBuilder.Build(Facts(Open() with { Reason = hostile }), T0.AddMinutes(1)));
        Assert.DoesNotContain("<script>", markdown);
        Assert.DoesNotContain("\n# Heading", markdown);
    }
}
