using Microsoft.AspNetCore.SignalR;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Probes.Feed;

namespace Webordinary.Dashboard.Hubs;

/// <summary>What the hub pushes to every connected client.</summary>
public interface IStatusHubClient
{
    Task RunStarted(RunDto run);

    Task StepCompleted(StepCompletedDto step);

    Task RunCompleted(RunDto run);

    /// <summary>After <c>RunCompleted</c>, when the run moved the probe's damped health (flap damping): Down is an incident.</summary>
    Task HealthChanged(HealthChangedDto change);
}

/// <summary>
/// Public live feed at <c>/hubs/status</c>: connect, call <see cref="GetSnapshot"/> for the current state, then
/// apply <c>RunStarted</c> / <c>RunCompleted</c> / <c>HealthChanged</c> as they arrive. Per-step progress (<c>StepCompleted</c>) goes only
/// to clients that call <see cref="SubscribeSteps"/>: a session flow has up to ten steps, and a wallboard that
/// shows pass/fail should not pay for them (the push benchmark: fewer, larger broadcasts per run).
/// </summary>
public sealed class StatusHub(ProbeStatusFeed feed, TimeProvider time) : Hub<IStatusHubClient>
{
    public const string Path = "/hubs/status";

    /// <summary>The group of connections that asked for <c>StepCompleted</c>.</summary>
    public const string StepsGroup = "steps";

    public StatusSnapshotDto GetSnapshot() => new(time.GetUtcNow(), [.. feed.GetSnapshot().Select(s => s.ToDto())]);

    public Task SubscribeSteps() => Groups.AddToGroupAsync(Context.ConnectionId, StepsGroup);

    public Task UnsubscribeSteps() => Groups.RemoveFromGroupAsync(Context.ConnectionId, StepsGroup);
}
