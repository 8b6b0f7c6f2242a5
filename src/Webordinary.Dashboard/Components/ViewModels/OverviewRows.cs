using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Components.ViewModels;

/// <summary>A row of the overview: a probe, and the root cause it is Down because of (shown under it).</summary>
public sealed record OverviewRow(ProbeFacts Probe, string? CausedBy);

/// <summary>The overview's order and grouping of the probes, from the feed's states and the open incidents: pure, so it is tested alone.</summary>
public static class OverviewRows
{
    /// <summary>
    /// Failing first: each root cause with the probes it took down right under it, then the other failing probes (a
    /// root cause Down inside a maintenance window with what it holds down under it), then the rest in configuration order.
    /// </summary>
    /// <param name="causeOf">The root cause a probe is Down because of, when another probe (the tracker's).</param>
    /// <param name="factsOf">The probe with its component and tags.</param>
    public static IReadOnlyList<OverviewRow> Order(IReadOnlyList<ProbeState> probes, IReadOnlyList<Incident> incidents, Func<string, string?> causeOf,
        Func<ProbeState, ProbeFacts> factsOf)
    {
        var rows = new List<OverviewRow>();
        var byId = probes.ToDictionary(p => p.ProbeId, StringComparer.OrdinalIgnoreCase);
        var shown = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        void Add(ProbeState probe, string? cause)
        {
            if (shown.Add(probe.ProbeId))
            {
                rows.Add(new OverviewRow(factsOf(probe), cause));
            }
        }

        foreach (var incident in incidents)
        {
            if (byId.TryGetValue(incident.RootCause, out var root))
            {
                Add(root, null);
            }

            foreach (var affected in incident.Affected)
            {
                if (byId.TryGetValue(affected, out var probe))
                {
                    Add(probe, incident.RootCause);
                }
            }
        }

        // A root cause Down inside a maintenance window opens no incident, but still holds what it took down: each
        // such probe right under it, with its "caused by" line.
        var failing = probes.Where(p => (p.Status == ProbeOutcome.Fail || p.Health == ProbeHealth.Down) && !shown.Contains(p.ProbeId))
            .Select(p => (Probe: p, Cause: causeOf(p.ProbeId))).ToList();
        foreach (var (probe, _) in failing.Where(f => f.Cause is null || !byId.ContainsKey(f.Cause)))
        {
            Add(probe, null);
            foreach (var (below, _) in failing.Where(f => string.Equals(f.Cause, probe.ProbeId, StringComparison.OrdinalIgnoreCase)))
            {
                Add(below, probe.ProbeId);
            }
        }

        foreach (var (probe, cause) in failing)
        {
            Add(probe, cause);
        }

        foreach (var probe in probes)
        {
            Add(probe, null);
        }

        return rows;
    }

    /// <summary>Groups with a failing probe first, then by name ("Other", the probes of no component, last); within a group, the rows keep their order.</summary>
    public static IReadOnlyList<IGrouping<string, OverviewRow>> ByComponent(IEnumerable<OverviewRow> rows) =>
    [
        .. rows.GroupBy(row => row.Probe.Component, StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(group => group.Any(row => row.Probe.State.Status == ProbeOutcome.Fail))
            .ThenBy(group => group.Key == "Other")
            .ThenBy(group => group.Key, StringComparer.OrdinalIgnoreCase),
    ];
}
