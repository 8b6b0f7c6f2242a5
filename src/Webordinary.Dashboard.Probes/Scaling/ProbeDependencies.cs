using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Connectivity;

namespace Webordinary.Dashboard.Probes.Scaling;

/// <summary>Which probes need the Hermes service running: they go Parked when it is scaled to 0.</summary>
public static class ProbeDependencies
{
    private static readonly HashSet<string> HermesKinds = new(StringComparer.OrdinalIgnoreCase)
    {
        EcsServiceProbe.KindName,
        AlbTargetHealthProbe.KindName,
        HermesHealthProbe.KindName,
        Sessions.ColdStartProbe.KindName,
        Sessions.PersistenceProbe.KindName,
        Sessions.ConcurrentSessionsProbe.KindName,
        Sessions.RoutingProbe.KindName,
    };

    public static bool NeedsHermes(ProbeDefinition probe) => HermesKinds.Contains(probe.Kind);
}
