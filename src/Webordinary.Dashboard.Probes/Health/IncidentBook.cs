using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Health;

/// <summary>What one completed run did: the probe's damped status, what it is caused by, and the incidents it changed.</summary>
/// <param name="CausedBy">The root cause the probe is Down because of, when it is not its own.</param>
/// <param name="RecheckNow">
/// Probes to run again at once: those Down because of this one, which recovered; when this one's incident opened,
/// those that need it (so the incident knows at once what it took down, and its one notification lists them); or this
/// one, when its run met a root cause that recovered while it ran.
/// </param>
public sealed record HealthChange(ProbeHealth Health, bool ConfirmNow, string? CausedBy, IReadOnlyList<IncidentChange> Incidents, IReadOnlyList<string> RecheckNow)
{
    public static HealthChange None(ProbeHealth health) => new(health, false, null, [], []);
}

/// <summary>
/// Incidents by root cause, for all probes together, pure (no I/O, one caller at a time). A probe that goes Down
/// while something it needs (<see cref="ProbeTopology"/>, transitively) is Down joins that one's incident instead of
/// opening its own; a root cause that goes Down after probes that need it takes their incidents over (merged), so one
/// problem is one incident. Inside a maintenance window a probe still goes Down but opens nothing: if it still fails
/// once the window is over, the incident opens then. A resolution is never suppressed. A Parked run ends whatever was
/// open (the service was parked on purpose), so a probe is never Parked and Down at once.
/// </summary>
public sealed class IncidentBook(ProbeTopology topology)
{
    public const string ParkedEndReason = "ended: service parked";

    private readonly Dictionary<string, ProbeStatus> _probes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, OpenIncident> _open = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When each probe last came Up from Down: a run that started before then still saw it down.</summary>
    private readonly Dictionary<string, DateTimeOffset> _cameUpAt = new(StringComparer.OrdinalIgnoreCase);

    public ProbeHealth HealthOf(string probeId) => _probes.TryGetValue(probeId, out var status) ? status.Machine.Health : ProbeHealth.Unknown;

    /// <summary>The root cause the probe is Down because of, if it is Down because of another probe.</summary>
    public string? CauseOf(string probeId) =>
        _probes.TryGetValue(probeId, out var status) && status.Machine.Health == ProbeHealth.Down && status.Own is null
            ? status.Causes.FirstOrDefault(IsActiveRoot)
            : null;

    /// <summary>Open incidents, oldest first.</summary>
    public IReadOnlyList<Incident> OpenIncidents => [.. _open.Values.Select(o => o.Snapshot()).OrderBy(i => i.StartedAt)];

    /// <summary>The probe went Down inside a maintenance window and is still Down: no incident, by design.</summary>
    public bool IsSilenced(string probeId) => _probes.TryGetValue(probeId, out var status) && status.Silenced && status.Machine.Health == ProbeHealth.Down;

    /// <summary>Picks up an incident a previous process left open: its root cause is Down again.</summary>
    public void Resume(ProbeSettings settings, Incident open)
    {
        var status = StatusOf(open.ProbeId, settings);
        status.Machine.Resume();
        status.Own = new OpenIncident(open);
        _open[open.ProbeId] = status.Own;
    }

    public void Register(string probeId, ProbeSettings settings) => StatusOf(probeId, settings);

    /// <param name="serviceParked">The probe's service is parked on purpose (its run is Parked, or Maintenance because of it).</param>
    public HealthChange Apply(ProbeSettings settings, ProbeRun run, bool serviceParked)
    {
        var probeId = run.ProbeId;
        var status = StatusOf(probeId, settings);
        var changes = new List<IncidentChange>();
        var at = run.EndedAt ?? run.StartedAt;
        if (serviceParked)
        {
            if (status.Own is { } own)
            {
                own.End(at, ParkedEndReason);
                changes.Add(new IncidentChange(IncidentChangeKind.Ended, own.Snapshot(), probeId));
                _open.Remove(probeId);
                status.Own = null;
            }

            status.Causes.Clear();
            status.Silenced = false;
            status.Machine.Reset();
            return new HealthChange(ProbeHealth.Unknown, false, null, changes, []);
        }

        var step = status.Machine.Apply(run);
        var recheck = new List<string>();
        if (step.Health == ProbeHealth.Down && run.Outcome == ProbeOutcome.Fail && status.Own is null)
        {
            // Causes that are over (their root recovered) no longer explain this failure — unless the run started before
            // the root recovered: then it met the root still down, and the next run decides.
            status.Causes.RemoveWhere(root => !IsActiveRoot(root) && !(_cameUpAt.TryGetValue(root, out var up) && up >= run.StartedAt));
            if (status.Causes.Any(root => !IsActiveRoot(root)))
            {
                // That next run goes at once: the recovered root asked for it while this one was under way, and this
                // run's own recheck (the recovery interval later) would otherwise take its place.
                recheck.Add(probeId);
            }

            var roots = topology.Ancestors(probeId).Where(a => HealthOf(a) == ProbeHealth.Down && IsActiveRoot(a)).ToList();
            if (roots.Count > 0)
            {
                status.Silenced = false;
                foreach (var root in roots.Where(status.Causes.Add))
                {
                    if (_open.TryGetValue(root, out var incident) && incident.Add(probeId))
                    {
                        changes.Add(new IncidentChange(IncidentChangeKind.Joined, incident.Snapshot(), probeId));
                    }
                }
            }
            else if (status.Causes.Count == 0)
            {
                if (run.MaintenanceWindow is not null)
                {
                    status.Silenced = true;
                }
                else
                {
                    // Went Down now: from the streak's first failure. Still Down after a window or after its cause
                    // recovered: from this run, the first that is this probe's own problem.
                    var first = step.WentDown && step.FirstFailure is { } streak && !status.Silenced ? streak : run;
                    status.Silenced = false;
                    Open(probeId, status, first, changes);
                    recheck.AddRange(topology.Dependents(probeId).Where(d => HealthOf(d) != ProbeHealth.Down));
                }
            }
        }
        else if (step.CameUp)
        {
            _cameUpAt[probeId] = run.StartedAt;
            if (status.Own is { } own)
            {
                own.End(at, null);
                changes.Add(new IncidentChange(IncidentChangeKind.Resolved, own.Snapshot(), probeId));
                _open.Remove(probeId);
                status.Own = null;
            }

            // Probes that were Down because of this one: run them now, so they come Up (or open their own) at once.
            recheck.AddRange(topology.Dependents(probeId).Where(d => HealthOf(d) == ProbeHealth.Down && _probes[d].Causes.Contains(probeId)));
            status.Causes.Clear();
            status.Silenced = false;
        }

        return new HealthChange(step.Health, step.ConfirmNow, CauseOf(probeId), changes, recheck);
    }

    /// <summary>Opens the probe's own incident and takes over the probes Down below it (their own incidents are merged in).</summary>
    private void Open(string probeId, ProbeStatus status, ProbeRun first, List<IncidentChange> changes)
    {
        var failedStep = first.Steps.FirstOrDefault(s => s.Outcome == StepOutcome.Fail);
        var incident = new OpenIncident(new Incident(ProbeRun.NewId(), probeId, first.StartedAt, null, first.Id, failedStep?.Name, first.Message));
        status.Own = incident;
        _open[probeId] = incident;
        var merged = new List<IncidentChange>();
        foreach (var dependent in topology.Dependents(probeId).Where(d => HealthOf(d) == ProbeHealth.Down))
        {
            var below = _probes[dependent];
            if (below.Own is { } theirs)
            {
                incident.TakeOver(theirs);
                theirs.End(first.EndedAt ?? first.StartedAt, $"merged into {probeId}'s incident", incident.Snapshot().Id);
                merged.Add(new IncidentChange(IncidentChangeKind.Merged, theirs.Snapshot(), dependent));
                _open.Remove(dependent);
                below.Own = null;
            }

            below.Silenced = false;
            below.Causes.Add(probeId);
            incident.Add(dependent);
        }

        changes.Add(new IncidentChange(IncidentChangeKind.Opened, incident.Snapshot(), probeId));
        changes.AddRange(merged);
    }

    /// <summary>A root cause that holds probes below it: an open incident, or Down inside a maintenance window.</summary>
    private bool IsActiveRoot(string probeId) =>
        _open.ContainsKey(probeId) || (_probes.TryGetValue(probeId, out var status) && status.Silenced && status.Machine.Health == ProbeHealth.Down);

    private ProbeStatus StatusOf(string probeId, ProbeSettings settings)
    {
        if (!_probes.TryGetValue(probeId, out var status))
        {
            status = new ProbeStatus(new HealthStateMachine(settings.FailuresToDown, settings.PassesToUp, settings.ConfirmFailures));
            _probes[probeId] = status;
        }

        return status;
    }

    private sealed class ProbeStatus(HealthStateMachine machine)
    {
        public HealthStateMachine Machine { get; } = machine;

        /// <summary>The incident this probe is the root cause of.</summary>
        public OpenIncident? Own { get; set; }

        /// <summary>Went Down inside a maintenance window: Down, but no incident.</summary>
        public bool Silenced { get; set; }

        /// <summary>The root causes this probe is Down because of.</summary>
        public HashSet<string> Causes { get; } = new(StringComparer.OrdinalIgnoreCase);
    }

    private sealed class OpenIncident(Incident incident)
    {
        private readonly List<string> _affected = [.. incident.Affected];
        private Incident _incident = incident;

        public bool Add(string probeId)
        {
            if (_affected.Contains(probeId, StringComparer.OrdinalIgnoreCase) || probeId.Equals(_incident.ProbeId, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            _affected.Add(probeId);
            return true;
        }

        /// <summary>Another incident turned out to be part of this one: its probes are affected, and it started when that did.</summary>
        public void TakeOver(OpenIncident other)
        {
            foreach (var probe in other._affected)
            {
                Add(probe);
            }

            if (other._incident.StartedAt < _incident.StartedAt)
            {
                _incident = _incident with { StartedAt = other._incident.StartedAt };
            }
        }

        public void End(DateTimeOffset at, string? reason, string? mergedInto = null) =>
            _incident = _incident with { EndedAt = at, EndReason = reason, MergedInto = mergedInto };

        public Incident Snapshot() => _incident with { AffectedProbes = [.. _affected] };
    }
}
