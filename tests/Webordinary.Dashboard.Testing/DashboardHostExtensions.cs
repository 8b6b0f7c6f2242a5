using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Testing;

public static class DashboardHostExtensions
{
    /// <summary>Runs a configured probe once through the real runner (stored and announced), outside the scheduler.</summary>
    public static Task<ProbeRun> RunProbeAsync(this DashboardHost host, string probeId, CancellationToken cancellationToken = default)
    {
        if (!host.Get<ProbeCatalog>().TryGet(probeId, out var definition, out var probe))
        {
            throw new ArgumentException($"No probe {probeId} in the test host's configuration.", nameof(probeId));
        }

        return host.Get<ProbeRunner>().RunAsync(probe, definition.Settings, ProbeRun.NewId(), RunTrigger.Manual, cancellationToken);
    }
}
