using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Sandbox;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// Sandbox: clearing a fault re-runs at once the probes it affected (those that check the component and those that
/// need them) that are failing, degraded or Down, so the overview turns green within seconds of the click
/// (<c>Sandbox:RecheckOnClear</c>).
/// </summary>
internal sealed class SandboxFaultRechecks(FaultInjector faults, ProbeCatalog catalog, ProbeStatusFeed feed, ProbeHealthTracker health,
    IProbeTriggers triggers, Microsoft.Extensions.Options.IOptions<SandboxOptions> options, ILogger<SandboxFaultRechecks> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.RecheckOnClear)
        {
            faults.Cleared += OnCleared;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        faults.Cleared -= OnCleared;
        return Task.CompletedTask;
    }

    private void OnCleared(string component)
    {
        if (!PlatformComponents.TryParse(component, out var cleared))
        {
            return;
        }

        var affected = catalog.Topology.Affected(cleared)
            .Where(id => feed.Get(id) is { Enabled: true } state && (state.Status is ProbeOutcome.Fail or ProbeOutcome.Degraded || health.HealthOf(id) == ProbeHealth.Down))
            .ToList();
        _ = RecheckAsync(affected);
    }

    private async Task RecheckAsync(IReadOnlyList<string> probes)
    {
        foreach (var probe in probes)
        {
            try
            {
                await triggers.RecheckAsync(probe, TimeSpan.Zero, CancellationToken.None);
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Re-running {ProbeId} after a cleared fault failed", probe);
            }
        }
    }
}
