using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Hosting;

/// <summary>A sandbox component's fault was set (mode none: cleared) on one instance.</summary>
public sealed record SandboxFaultSet(string Component, FaultSetting Setting) : DashboardChange;

/// <summary>
/// Sandbox: a fault injected or cleared on one instance's Sandbox page is what every instance's probes see. Each fault
/// set here is announced on the change feed, and one set on another instance is applied here (without announcing it
/// again). The faults live in each instance's sandbox, as the simulated platform does; an instance that starts later
/// begins with <c>Sandbox:Faults</c> until the next change.
/// </summary>
internal sealed class SandboxFaultsShared(FaultInjector faults, ChangeFeed changes) : IHostedService
{
    /// <summary>A fault being applied from another instance (on this thread): not announced again.</summary>
    [ThreadStatic]
    private static bool _applyingOthers;

    private readonly Dictionary<string, FaultSetting> _announced = new(StringComparer.Ordinal);
    private IDisposable? _others;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (component, setting) in faults.Current)
        {
            _announced[component] = setting;
        }

        faults.Changed += Announce;
        _others = changes.Subscribe<SandboxFaultSet>(Apply, ChangeOrigin.OtherInstances);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        faults.Changed -= Announce;
        _others?.Dispose();
        return Task.CompletedTask;
    }

    private void Apply(SandboxFaultSet set)
    {
        if (FaultInjector.Validate(set.Component, set.Setting) is not null)
        {
            return;
        }

        _applyingOthers = true;
        try
        {
            faults.Set(set.Component, set.Setting);
        }
        finally
        {
            _applyingOthers = false;
        }
    }

    /// <summary>Announces each component whose fault differs from what was last announced or applied.</summary>
    private void Announce()
    {
        List<SandboxFaultSet> changed;
        lock (_announced)
        {
            changed = [.. faults.Current.Where(f => _announced.GetValueOrDefault(f.Key) != f.Value).Select(f => new SandboxFaultSet(f.Key, f.Value))];
            foreach (var set in changed)
            {
                _announced[set.Component] = set.Setting;
            }
        }

        if (_applyingOthers)
        {
            return;
        }

        foreach (var set in changed)
        {
            changes.Publish(set);
        }
    }
}
