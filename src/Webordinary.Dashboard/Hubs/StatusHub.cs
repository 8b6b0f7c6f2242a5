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
}

/// <summary>
/// Public live feed at <c>/hubs/status</c>: connect, call <see cref="GetSnapshot"/> for the current state, then
/// apply <c>RunStarted</c> / <c>StepCompleted</c> / <c>RunCompleted</c> as they arrive.
/// </summary>
public sealed class StatusHub(ProbeStatusFeed feed, TimeProvider time) : Hub<IStatusHubClient>
{
    public const string Path = "/hubs/status";

    public StatusSnapshotDto GetSnapshot() => new(time.GetUtcNow(), [.. feed.GetSnapshot().Select(s => s.ToDto())]);
}
