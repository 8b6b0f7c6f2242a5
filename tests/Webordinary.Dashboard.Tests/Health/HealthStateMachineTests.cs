using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Tests.Health;

/// <summary>Flap damping sequences and exactly the incidents they should make (one probe, nothing it depends on).</summary>
public sealed class HealthStateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An incident book of one probe "p" with the given damping.</summary>
    private static Func<ProbeRun, HealthChange> Book(int failuresToDown, int passesToUp, bool confirmFailures, Incident? resume = null)
    {
        var settings = new ProbeSettings { Kind = "K", FailuresToDown = failuresToDown, PassesToUp = passesToUp, ConfirmFailures = confirmFailures };
        var book = new IncidentBook(ProbeTopology.Resolve(new Dictionary<string, ProbeSettings> { ["p"] = settings }, new ProbeKindRegistry(), out _));
        if (resume is not null)
        {
            book.Resume(settings, resume);
        }

        return run => book.Apply(settings, run, serviceParked: false);
    }

    [Fact]
    public void Fail_pass_fail_fail_pass_makes_one_incident_from_the_third_run_to_the_fifth()
    {
        var apply = Book(failuresToDown: 2, passesToUp: 1, confirmFailures: true);
        var runs = Runs("FPFFP");

        var changes = runs.Select(apply).ToList();

        Assert.Equal([ProbeHealth.Unknown, ProbeHealth.Up, ProbeHealth.Up, ProbeHealth.Down, ProbeHealth.Up], changes.Select(c => c.Health));
        Assert.Equal([true, false, true, false, false], changes.Select(c => c.ConfirmNow));
        var opened = Assert.Single(changes.SelectMany(c => c.Incidents), c => c.Kind == IncidentChangeKind.Opened).Incident;
        var closed = Assert.Single(changes.SelectMany(c => c.Incidents), c => c.Kind == IncidentChangeKind.Resolved).Incident;
        Assert.Equal(runs[2].StartedAt, opened.StartedAt);
        Assert.Equal(runs[2].Id, opened.FirstRunId);
        Assert.Equal("Step B", opened.FailedStep);
        Assert.Equal(opened.Id, closed.Id);
        Assert.Equal(runs[4].EndedAt, closed.EndedAt);
        Assert.Equal(TimeSpan.FromSeconds(61), closed.Duration);
    }

    [Fact]
    public void Unknown_goes_down_directly_and_needs_two_passes_when_configured()
    {
        var apply = Book(failuresToDown: 2, passesToUp: 2, confirmFailures: false);

        var changes = Runs("FFPPFP").Select(apply).ToList();

        Assert.Equal([ProbeHealth.Unknown, ProbeHealth.Down, ProbeHealth.Down, ProbeHealth.Up, ProbeHealth.Up, ProbeHealth.Up], changes.Select(c => c.Health));
        Assert.All(changes, c => Assert.False(c.ConfirmNow));
        Assert.Single(changes.SelectMany(c => c.Incidents), c => c.Kind == IncidentChangeKind.Opened);
        Assert.Single(changes.SelectMany(c => c.Incidents), c => c.Kind == IncidentChangeKind.Resolved);
    }

    [Fact]
    public void Planned_and_interrupted_runs_neither_pass_nor_fail_and_a_single_failure_with_damping_makes_no_incident()
    {
        var apply = Book(failuresToDown: 3, passesToUp: 1, confirmFailures: true);

        var changes = Runs("PFMFIP").Select(apply).ToList();

        Assert.All(changes, c => Assert.Empty(c.Incidents));
        Assert.Equal(ProbeHealth.Up, changes[^1].Health);
        // The maintenance and interrupted runs between the failures do not break the streak: with three needed, two are not enough.
        Assert.Equal([false, true, false, false, false, false], changes.Select(c => c.ConfirmNow));
    }

    [Fact]
    public void A_resumed_open_incident_closes_on_the_next_pass()
    {
        var apply = Book(2, 1, true, new Incident("i1", "p", T0.AddDays(-1), null, "r0", "Step B", "down"));

        var change = apply(Runs("P")[0]);

        Assert.Equal(ProbeHealth.Up, change.Health);
        Assert.Equal(("i1", IncidentChangeKind.Resolved), (change.Incidents.Single().Incident.Id, change.Incidents.Single().Kind));
    }

    /// <summary>P = pass, F = fail (at "Step B"), M = maintenance, I = interrupted; one run every 30 s, each 1 s long.</summary>
    private static List<ProbeRun> Runs(string outcomes) => [.. outcomes.Select((c, i) =>
    {
        var start = T0.AddSeconds(30 * i);
        var outcome = c switch { 'P' => ProbeOutcome.Pass, 'F' => ProbeOutcome.Fail, 'M' => ProbeOutcome.Maintenance, _ => ProbeOutcome.Interrupted };
        StepResult[] steps = outcome == ProbeOutcome.Fail
            ? [new StepResult(0, "Step A", StepOutcome.Pass, start, 1, null, null), new StepResult(1, "Step B", StepOutcome.Fail, start, 1, null, new StepFailure("Http", "503"))]
            : [];
        return new ProbeRun($"r{i}", "p", "K", RunTrigger.Schedule, start, start.AddSeconds(1), 1000, outcome, outcome == ProbeOutcome.Fail ? "Step B: 503" : "ok", steps);
    })];
}
