using Webordinary.Dashboard.Probes.Configuration;

namespace Webordinary.Dashboard.Probes.Maintenance;

/// <summary>
/// Which probes a window's scope covers, through the same <c>DependsOn</c> graph root causes use
/// (<see cref="ProbeTopology"/>): a window over a component or a probe covers every probe that needs it, so the
/// session flows are in maintenance with the table they need, not red beside it. Pure: no clock, no store.
/// </summary>
public sealed class MaintenanceCoverage(ProbeTopology topology)
{
    public bool Covers(MaintenanceScope scope, string probeId)
    {
        if (scope.IsGlobal || scope.Probes.Contains(probeId, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        var needed = topology.Ancestors(probeId);
        return needed.Any(a => scope.Probes.Contains(a, StringComparer.OrdinalIgnoreCase))
            || scope.Components.Any(component => topology.Involves(probeId, component));
    }

    /// <summary>Every probe the scope covers, in configuration order.</summary>
    public IReadOnlyList<string> Covered(MaintenanceScope scope) => [.. topology.Ids.Where(id => Covers(scope, id))];
}
