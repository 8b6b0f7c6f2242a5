using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Probes.Feed;

namespace Webordinary.Dashboard.Hubs;

/// <summary>
/// Forwards the live feed to the hub's clients. The feed's handlers must not block a probe, so events are queued
/// and sent in order by one pump.
/// </summary>
internal sealed class StatusHubBridge(ProbeStatusFeed feed, IHubContext<StatusHub, IStatusHubClient> hub, ILogger<StatusHubBridge> logger)
    : BackgroundService
{
    private readonly Channel<ProbeFeedEvent> _queue = Channel.CreateUnbounded<ProbeFeedEvent>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = feed.Subscribe(e => _queue.Writer.TryWrite(e));
        await foreach (var feedEvent in _queue.Reader.ReadAllAsync(stoppingToken))
        {
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
