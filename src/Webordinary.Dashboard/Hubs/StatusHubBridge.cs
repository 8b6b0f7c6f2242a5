using Microsoft.AspNetCore.SignalR;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Hubs;

/// <summary>
/// Forwards the runs of every instance (the change feed's run changes) to this instance's hub clients, in order, every
/// one: a subscription of its own with no throttle, so a slow send never holds back a probe. Subscribed at start, before
/// the scheduler's first run; while no client is connected changes are dropped at once (a client starts from
/// <see cref="StatusHub.GetSnapshot"/>).
/// </summary>
internal sealed class StatusHubBridge(ChangeFeed changes, IHubContext<StatusHub, IStatusHubClient> hub, StatusHubConnections connections, ILogger<StatusHubBridge> logger)
    : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = changes.Subscribe<ProbeFeedEvent>(PushAsync, throttle: TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task PushAsync(IReadOnlyList<ProbeFeedEvent> batch)
    {
        foreach (var feedEvent in batch)
        {
            if (connections.Count == 0)
            {
                return;
            }

            try
            {
                await (feedEvent switch
                {
                    RunStartedEvent started => hub.Clients.All.RunStarted(started.Run.ToDto()),
                    StepCompletedEvent step => hub.Clients.Group(StatusHub.StepsGroup).StepCompleted(new StepCompletedDto(step.Run.Id, step.Run.ProbeId, step.Step.ToDto())),
                    RunCompletedEvent completed => hub.Clients.All.RunCompleted(completed.Run.ToDto()),
                    _ => Task.CompletedTask,
                });
                if (feedEvent is RunCompletedEvent { HealthChanged: true, Run: var run } done)
                {
                    await hub.Clients.All.HealthChanged(new HealthChangedDto(run.ProbeId, done.Health.ToString(), run.Id, run.EndedAt ?? run.StartedAt));
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not push {Event} to hub clients", feedEvent.GetType().Name);
            }
        }
    }
}
