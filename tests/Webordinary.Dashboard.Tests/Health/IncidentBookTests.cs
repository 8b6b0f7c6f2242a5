using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Tests.Health;

/// <summary>
/// One problem is one incident: probes Down because something they need is Down join its incident; a window silences
/// opening, never a resolution; parking ends what was open.
/// </summary>
public sealed class IncidentBookTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 20, 0, 0, TimeSpan.Zero);

    // db and hermes are root causes; the two flows need both.
    private readonly Dictionary<string, ProbeSettings> _probes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["db"] = new() { Kind = "K", ConfirmFailures = false },
        ["hermes"] = new() { Kind = "K", ConfirmFailures = false },
        ["flow-a"] = new() { Kind = "K", ConfirmFailures = false, DependsOn = ["hermes", "db"] },
        ["flow-b"] = new() { Kind = "K", ConfirmFailures = false, DependsOn = ["hermes", "db"] },
    };

    private readonly IncidentBook _book;
    private int _clock;

    public IncidentBookTests() => _book = new IncidentBook(ProbeTopology.Resolve(_probes, new ProbeKindRegistry(), out _));

    [Fact]
    public void Probes_down_because_the_table_is_down_join_its_incident_and_hermes_down_too_is_a_second_root_cause()
    {
        FailTwice("db");
        var joined = FailTwice("flow-a").Concat(FailTwice("flow-b")).ToList();

        var db = Assert.Single(_book.OpenIncidents);
        Assert.Equal("db", db.RootCause);
        Assert.Equal(["flow-a", "flow-b"], db.Affected);
        Assert.Equal([IncidentChangeKind.Joined, IncidentChangeKind.Joined], joined.Select(c => c.Kind));
        Assert.Equal("db", _book.CauseOf("flow-a"));

        var hermes = FailTwice("hermes");

        Assert.Equal(IncidentChangeKind.Opened, Assert.Single(hermes).Kind);
        Assert.Equal(["db", "hermes"], _book.OpenIncidents.Select(i => i.RootCause));
        // The flows need Hermes too: they are affected by both root causes.
        Assert.Equal(["flow-a", "flow-b"], _book.OpenIncidents.Single(i => i.RootCause == "hermes").Affected);
    }

    [Fact]
    public void A_flow_down_before_its_table_has_its_incident_merged_into_the_tables()
    {
        var own = FailTwice("flow-a");
        var firstFailure = own.Single().Incident.StartedAt;

        var db = FailTwice("db");

        Assert.Equal([IncidentChangeKind.Opened, IncidentChangeKind.Merged], db.Select(c => c.Kind));
        var merged = db[1].Incident;
        Assert.Equal(("flow-a", db[0].Incident.Id), (merged.RootCause, merged.MergedInto));
        var open = Assert.Single(_book.OpenIncidents);
        Assert.Equal("db", open.RootCause);
        Assert.Equal(["flow-a"], open.Affected);
        // The problem started when the first probe saw it.
        Assert.Equal(firstFailure, open.StartedAt);
    }

    [Fact]
    public void An_opening_root_cause_runs_at_once_the_probes_that_need_it_and_are_not_down_yet()
    {
        FailTwice("flow-a");
        Apply("db", ProbeOutcome.Fail);

        var opened = Apply("db", ProbeOutcome.Fail);

        Assert.Equal([IncidentChangeKind.Opened, IncidentChangeKind.Merged], opened.Incidents.Select(c => c.Kind));
        // flow-a is Down already (taken over); flow-b is asked now, so the incident knows what it took down.
        Assert.Equal(["flow-b"], opened.RecheckNow);
    }

    [Fact]
    public void A_flow_still_failing_after_its_table_recovers_opens_its_own_incident_then()
    {
        FailTwice("db");
        FailTwice("flow-a");

        var recovered = Apply("db", ProbeOutcome.Pass);
        Assert.Equal(IncidentChangeKind.Resolved, Assert.Single(recovered.Incidents).Kind);
        // It is run again at once, not an interval later.
        Assert.Equal(["flow-a"], recovered.RecheckNow);

        var stillFailing = Apply("flow-a", ProbeOutcome.Fail);

        var opened = Assert.Single(stillFailing.Incidents);
        Assert.Equal((IncidentChangeKind.Opened, "flow-a"), (opened.Kind, opened.Incident.RootCause));
        Assert.True(opened.Incident.StartedAt > recovered.Incidents[0].Incident.EndedAt, "the flow's own problem starts after the table's ended");
    }

    [Fact]
    public void A_flow_run_that_started_before_its_table_recovered_does_not_open_an_incident_of_its_own()
    {
        FailTwice("db");
        FailTwice("flow-a");
        // The flow's run starts while the table is down and ends after the table's passing run.
        var start = T0.AddSeconds(10 * _clock++);
        var recovered = Apply("db", ProbeOutcome.Pass);

        var late = _book.Apply(_probes["flow-a"], new ProbeRun("late", "flow-a", "K", RunTrigger.Schedule, start, start.AddSeconds(30), 30_000,
            ProbeOutcome.Fail, "Check: down", [new StepResult(0, "Check", StepOutcome.Fail, start, 5, null, new StepFailure("Aws", "down"))]), serviceParked: false);

        Assert.Equal(IncidentChangeKind.Resolved, Assert.Single(recovered.Incidents).Kind);
        Assert.Empty(late.Incidents);
        Assert.Empty(_book.OpenIncidents);
    }

    [Fact]
    public void Inside_a_window_a_probe_goes_down_silently_and_a_failure_past_its_end_opens_the_incident()
    {
        var inside = FailTwice("db", window: "deploy: table migration (until 2026-11-01 21:00 UTC)");
        Assert.Empty(inside);
        Assert.Equal(ProbeHealth.Down, _book.HealthOf("db"));
        Assert.True(_book.IsSilenced("db"));
        // A flow that needs the silenced table is caused by it, and opens nothing either.
        Assert.Empty(FailTwice("flow-a", window: null));
        Assert.Empty(_book.OpenIncidents);

        var after = Apply("db", ProbeOutcome.Fail);

        var opened = after.Incidents.First();
        Assert.Equal((IncidentChangeKind.Opened, "db"), (opened.Kind, opened.Incident.RootCause));
        // The flow, Down all along because of the table, is affected by it now.
        Assert.Equal(["flow-a"], opened.Incident.Affected);
        Assert.Equal(["flow-a"], Assert.Single(_book.OpenIncidents).Affected);
    }

    [Fact]
    public void A_window_never_holds_back_a_resolution()
    {
        FailTwice("db");

        var passInWindow = Apply("db", ProbeOutcome.Pass, window: "night: upgrade (until 05:00 UTC)");

        Assert.Equal(IncidentChangeKind.Resolved, Assert.Single(passInWindow.Incidents).Kind);
        Assert.Empty(_book.OpenIncidents);
    }

    [Fact]
    public void Parking_ends_the_open_incident_and_the_probe_is_not_down_while_parked()
    {
        FailTwice("hermes");

        var parked = Apply("hermes", ProbeOutcome.Parked, serviceParked: true);

        var ended = Assert.Single(parked.Incidents);
        Assert.Equal((IncidentChangeKind.Ended, IncidentBook.ParkedEndReason), (ended.Kind, ended.Incident.EndReason));
        Assert.NotNull(ended.Incident.EndedAt);
        Assert.Equal(ProbeHealth.Unknown, parked.Health);
        Assert.Empty(_book.OpenIncidents);
        // Maintenance runs while parked change nothing.
        Assert.Empty(Apply("hermes", ProbeOutcome.Maintenance, serviceParked: true).Incidents);
    }

    [Fact]
    public void A_run_that_met_its_root_cause_down_before_it_recovered_asks_to_run_again_at_once()
    {
        FailTwice("hermes");
        FailTwice("flow-a");
        var flowStarted = T0.AddSeconds(10 * _clock++);

        // hermes recovers while a flow-a run is under way: flow-a is asked for again, but that run still fails.
        var recovered = Apply("hermes", ProbeOutcome.Pass);
        var failed = Apply("flow-a", ProbeOutcome.Fail, startedAt: flowStarted);

        Assert.Equal(["flow-a"], recovered.RecheckNow);
        Assert.Equal(ProbeHealth.Down, failed.Health);
        Assert.Equal(["flow-a"], failed.RecheckNow);
        // A failure that started after the recovery is flow-a's own problem: its incident opens, no extra run is asked for.
        var own = Apply("flow-a", ProbeOutcome.Fail);
        Assert.Equal(IncidentChangeKind.Opened, Assert.Single(own.Incidents).Kind);
        Assert.DoesNotContain("flow-a", own.RecheckNow);
    }

    private List<IncidentChange> FailTwice(string probe, string? window = null) =>
        [.. Apply(probe, ProbeOutcome.Fail, window).Incidents, .. Apply(probe, ProbeOutcome.Fail, window).Incidents];

    private HealthChange Apply(string probe, ProbeOutcome outcome, string? window = null, bool serviceParked = false, DateTimeOffset? startedAt = null)
    {
        var start = startedAt ?? T0.AddSeconds(10 * _clock++);
        StepResult[] steps = outcome == ProbeOutcome.Fail ? [new StepResult(0, "Check", StepOutcome.Fail, start, 5, null, new StepFailure("Aws", "down"))] : [];
        var run = new ProbeRun(ProbeRun.NewId(), probe, "K", RunTrigger.Schedule, start, start.AddSeconds(1), 1000, outcome,
            outcome == ProbeOutcome.Fail ? "Check: down" : "ok", steps, null, window);
        return _book.Apply(_probes[probe], run, serviceParked);
    }
}
