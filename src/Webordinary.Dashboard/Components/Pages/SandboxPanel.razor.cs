using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>Fault injection and a look at the simulated Hermes service (sandbox mode only).</summary>
public sealed partial class SandboxPanel : IDisposable
{
    private readonly Dictionary<string, FaultEdit> _edits = SandboxComponents.All.ToDictionary(c => c, _ => new FaultEdit());
    private EcsService? _service;
    private IReadOnlyList<TargetHealth> _targets = [];
    private ITimer? _refresh;

    [Inject]
    public required IServiceProvider Services { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required IOptions<AwsOptions> Aws { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required PlatformActions Actions { get; init; }

    [Inject]
    public required CurrentUser User { get; init; }

    /// <summary>Why this user may not change faults; null when they may.</summary>
    private string? _faultDenied;

    // Resolved once: Dispose runs after the circuit's scope is gone, where the provider can no longer be asked.
    private FaultInjector? Faults { get; set; }

    private SandboxPlatform? Platform { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Faults = Services.GetService<FaultInjector>();
        Platform = Services.GetService<SandboxPlatform>();
        if (Faults is { } faults)
        {
            // Subscribed (and the timer made) before the first await: a circuit closed while this waits is disposed
            // before it goes on, and a handler added after Dispose would keep this page alive for good.
            // Faults set elsewhere (the API, another browser) show up here too.
            faults.Changed += OnFaultsChanged;
            _refresh = Time.CreateTimer(_ => InvokeAsync(() =>
            {
                ReadPlatform();
                StateHasChanged();
            }), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            ReadFaults();
            ReadPlatform();
        }

        _faultDenied = await User.DenialAsync(PlatformActions.FaultRole);
    }

    private void ReadFaults()
    {
        foreach (var component in SandboxComponents.All)
        {
            var current = Faults!.Get(component);
            _edits[component] = new FaultEdit
            {
                Mode = current.Mode,
                LatencyMs = current.LatencyMs > 0 ? current.LatencyMs : 3000,
                ErrorRate = current.ErrorRate > 0 ? current.ErrorRate : 0.5,
            };
        }
    }

    private void OnFaultsChanged() => InvokeAsync(() =>
    {
        ReadFaults();
        StateHasChanged();
    });

    private void ReadPlatform()
    {
        if (Platform is not { } platform)
        {
            return;
        }

        _service = platform.DescribeService(Aws.Value.Cluster, Aws.Value.Service);
        _targets = platform.DescribeTargetHealth(Aws.Value.TargetGroup);
    }

    private async Task ApplyAsync(string component)
    {
        var edit = _edits[component];
        var setting = new FaultSetting(edit.Mode,
            edit.Mode == FaultMode.Slow ? edit.LatencyMs : 0,
            edit.Mode == FaultMode.Errors ? edit.ErrorRate : 0);
        var outcome = await Actions.SetFaultAsync(await User.GetAsync(), component, setting, CancellationToken.None);
        if ((outcome.Denied ?? outcome.Invalid) is { } refused)
        {
            Snackbar.Add(refused, Severity.Error);
            return;
        }

        Snackbar.Add(edit.Mode == FaultMode.None ? $"{component}: fault cleared." : $"{component}: {edit.Mode} injected.", Severity.Info);
    }

    private async Task ClearAllAsync()
    {
        var user = await User.GetAsync();
        foreach (var component in SandboxComponents.All.Where(c => Faults!.Get(c).Mode != FaultMode.None))
        {
            if (await Actions.SetFaultAsync(user, component, FaultSetting.None, CancellationToken.None) is { Denied: { } denied })
            {
                Snackbar.Add(denied, Severity.Error);
                return;
            }
        }

        foreach (var edit in _edits.Values)
        {
            edit.Mode = FaultMode.None;
        }

        Snackbar.Add("All faults cleared.", Severity.Info);
    }

    public void Dispose()
    {
        _refresh?.Dispose();
        if (Faults is { } faults)
        {
            faults.Changed -= OnFaultsChanged;
        }
    }

    private sealed class FaultEdit
    {
        public FaultMode Mode { get; set; }
        public int LatencyMs { get; set; } = 3000;
        public double ErrorRate { get; set; } = 0.5;
    }
}
