using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Probes.Feed;

namespace Webordinary.Dashboard.Hubs;

/// <summary>
/// Forwards the live feed to the hub's clients. The feed's handlers must not block a probe, so events are queued
/// and sent in order by one pump. Subscribed at start, before the scheduler's first run; while no client is connected
/// events are dropped at once (a client starts from <see cref="StatusHub.GetSnapshot"/>).
/// </summary>
internal sealed class StatusHubBridge(ProbeStatusFeed feed, IHubContext<StatusHub, IStatusHubClient> hub, StatusHubConnections connections, ILogger<StatusHubBridge> logger)
    : BackgroundService
{
    private readonly Channel<ProbeFeedEvent> _queue = Channel.CreateUnbounded<ProbeFeedEvent>(new UnboundedChannelOptions { SingleReader = true });
    private IDisposable? _subscription;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = feed.Subscribe(e =>
        {
            if (connections.Count > 0)
            {
                _queue.Writer.TryWrite(e);
            }
        });
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
