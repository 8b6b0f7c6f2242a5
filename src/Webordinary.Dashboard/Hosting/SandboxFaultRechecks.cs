using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Sandbox;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// Sandbox: a fault's change re-runs at once the probes it affects (those that check the component and those that
/// need them), so the overview follows the click within seconds instead of each probe's interval. Injecting re-runs
/// every enabled one (<c>Sandbox:RecheckOnInject</c>); clearing those that are failing, degraded or Down
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

        if (options.Value.RecheckOnInject)
        {
            faults.Injected += OnInjected;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        faults.Cleared -= OnCleared;
        faults.Injected -= OnInjected;
        return Task.CompletedTask;
    }

    private void OnCleared(string component) => Recheck(component, "a cleared fault",
        id => feed.Get(id) is { Status: ProbeOutcome.Fail or ProbeOutcome.Degraded } || health.HealthOf(id) == ProbeHealth.Down);

    private void OnInjected(string component) => Recheck(component, "an injected fault", _ => true);

    private void Recheck(string component, string cause, Func<string, bool> needsIt)
    {
        if (!PlatformComponents.TryParse(component, out var changed))
        {
            return;
        }

        var affected = catalog.Topology.Affected(changed).Where(id => feed.Get(id) is { Enabled: true } && needsIt(id)).ToList();
        _ = ProbeRechecks.RunNowAsync(triggers, affected, logger, cause);
    }
}
