using Microsoft.AspNetCore.SignalR;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Security;

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
/// Connecting needs a role (Viewer or more: the session cookie, the ALB's header, or an API key as the bearer token);
/// <see cref="RunNow"/> and <see cref="RunAll"/> need Operator and are audited like the REST calls.
public sealed class StatusHub(ProbeStatusFeed feed, TimeProvider time, ProbeActions actions, StatusHubConnections connections) : Hub<IStatusHubClient>
{
    public const string Path = "/hubs/status";

    /// <summary>The group of connections that asked for <c>StepCompleted</c>.</summary>
    public const string StepsGroup = "steps";

    public override Task OnConnectedAsync()
    {
        connections.Connected();
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Disconnected();
        return Task.CompletedTask;
    }

    public StatusSnapshotDto GetSnapshot() => new(time.GetUtcNow(), [.. feed.GetSnapshot().Select(s => s.ToDto())]);

    public Task SubscribeSteps() => Groups.AddToGroupAsync(Context.ConnectionId, StepsGroup);

    public Task UnsubscribeSteps() => Groups.RemoveFromGroupAsync(Context.ConnectionId, StepsGroup);

    /// <summary>Starts a probe now; throws <see cref="HubException"/> when the role does not allow it or the probe cannot run now.</summary>
    public async Task<RunAcceptedDto> RunNow(string probeId)
    {
        var outcome = await actions.RunNowAsync(Context.User ?? new(), probeId, Context.ConnectionAborted);
        if (outcome.Denied is { } denied)
        {
            throw new HubException($"Forbidden: {denied}.");
        }

        return outcome.Value! switch
        {
            { Status: RunRequestStatus.Accepted, RunId: { } runId } accepted => new RunAcceptedDto(accepted.ProbeId, runId),
            var refused => throw new HubException($"{refused.Status}: probe '{refused.ProbeId}' was not started."),
        };
    }

    /// <summary>Starts every enabled probe that is not cooling down.</summary>
    public async Task<RunAllResultDto> RunAll()
    {
        var outcome = await actions.RunAllAsync(Context.User ?? new(), Context.ConnectionAborted);
        if (outcome.Denied is { } denied)
        {
            throw new HubException($"Forbidden: {denied}.");
        }

        var results = outcome.Value!;
        return new RunAllResultDto(
            [.. results.Where(r => r.Status == RunRequestStatus.Accepted).Select(r => new RunAcceptedDto(r.ProbeId, r.RunId!))],
            [.. results.Where(r => r.Status != RunRequestStatus.Accepted).Select(r => new RunSkippedDto(r.ProbeId, r.Status.ToString(), r.RetryAfter?.TotalSeconds))]);
    }
}

/// <summary>How many clients the hub has: with none, the bridge does not turn feed events into messages nobody gets.</summary>
public sealed class StatusHubConnections
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    internal void Connected() => Interlocked.Increment(ref _count);

    internal void Disconnected() => Interlocked.Decrement(ref _count);
}
