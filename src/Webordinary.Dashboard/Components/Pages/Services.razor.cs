using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Components.Dialogs;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Components.Controls;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>The cluster's services, live: counts, rollout progress, targets, the probes that need them; scale and schedules.</summary>
public sealed partial class Services : IDisposable
{
    private ServicesSnapshot _snapshot = ServicesSnapshot.Empty;
    private IReadOnlyList<ScaleScheduleState> _schedules = [];
    private DateTimeOffset _now;
    private IDisposable? _servicesSubscription;
    private IDisposable? _probesSubscription;
    private ITimer? _clock;

    [Inject]
    public required ServiceStatusFeed ServiceFeed { get; init; }

    [Inject]
    public required ProbeStatusFeed ProbeFeed { get; init; }

    [Inject]
    public required ProbeCatalog Catalog { get; init; }

    [Inject]
    public required ScaleSchedules Schedules { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required IOptions<AwsOptions> Aws { get; init; }

    [Inject]
    public required PlatformActions Actions { get; init; }

    [Inject]
    public required CurrentUser User { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    /// <summary>Why this user may not scale / pause schedules; null when they may.</summary>
    private string? _scaleDenied;
    private string? _scheduleDenied;

    private string Cluster => Aws.Value.Cluster;

    protected override async Task OnInitializedAsync()
    {
        // Subscriptions and the timer before the first await: a circuit closed while this waits is disposed before
        // it goes on, and whatever is made after Dispose would stay (and tick) for good.
        _servicesSubscription = ServiceFeed.Subscribe(snapshot => InvokeAsync(async () =>
        {
            _snapshot = snapshot;
            _now = Time.GetUtcNow();
            _schedules = await Schedules.ListAsync(CancellationToken.None);
            StateHasChanged();
        }));
        // Dependent probes' chips follow their runs.
        _probesSubscription = ProbeFeed.Subscribe(e =>
        {
            if (e is RunCompletedEvent)
            {
                _ = InvokeAsync(StateHasChanged);
            }
        });
        _clock = Time.CreateTimer(_ => InvokeAsync(() =>
        {
            _now = Time.GetUtcNow();
            StateHasChanged();
        }), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _snapshot = ServiceFeed.Current;
        _now = Time.GetUtcNow();
        _scaleDenied = await User.DenialAsync(PlatformActions.ScaleRole);
        _scheduleDenied = await User.DenialAsync(PlatformActions.ScheduleRole);
        _schedules = await Schedules.ListAsync(CancellationToken.None);
    }

    /// <summary>
    /// How long a rollout has run, as of the page's last tick: never below zero (a rollout that started after the tick
    /// showed "−428 ms").
    /// </summary>
    private double ElapsedMs(DateTimeOffset since) => Math.Max(0, (_now - since).TotalMilliseconds);

    private IReadOnlyList<ProbeState> Dependents(string service) => ServiceViews.Dependents(Catalog, ProbeFeed)(service);

    private async Task OpenScaleDialogAsync(ServiceState state)
    {
        var parameters = new DialogParameters<ScaleDialog>
        {
            { d => d.ServiceName, state.Service.Name },
            { d => d.CurrentDesiredCount, state.Service.DesiredCount },
            { d => d.MaxDesiredCount, state.MaxDesiredCount },
            { d => d.DependentProbes, Dependents(state.Service.Name).Select(p => p.ProbeId).ToList() },
        };
        await Dialogs.ShowAsync<ScaleDialog>($"Scale {state.Service.Name}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
    }

    private async Task SetActiveAsync(string schedule, bool active)
    {
        var outcome = await Actions.SetSchedulePausedAsync(await User.GetAsync(), schedule, !active, CancellationToken.None);
        if (outcome.Denied is { } denied)
        {
            Snackbar.Add($"{denied}: your role does not allow pausing schedules.", Severity.Error);
        }

        _schedules = await Schedules.ListAsync(CancellationToken.None);
    }

    public void Dispose()
    {
        _servicesSubscription?.Dispose();
        _probesSubscription?.Dispose();
        _clock?.Dispose();
    }
}
