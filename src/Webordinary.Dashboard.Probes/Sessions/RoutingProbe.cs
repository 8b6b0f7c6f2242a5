using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>
/// Routing: the ALB routes <c>/hermes/*</c> with the prefix handled (health answers), a session's own route
/// reaches that session (and the task Hermes says serves it), and an unknown route is 404.
/// </summary>
public sealed class RoutingProbe(ProbeDefinition definition, SessionFlow flow) : IProbe
{
    public const string KindName = "SessionRouting";

    public string Id => definition.Id;

    public string Kind => KindName;

    public async Task RunAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var (hermes, options) = flow.For(definition);
        var reachability = await flow.CheckHealthAsync(context, hermes, cancellationToken);
        if (reachability == HermesReachability.Parked)
        {
            return;
        }

        var sessionId = HermesSessions.NewSessionId();
        try
        {
            var created = await flow.CreateSessionAsync(context, hermes, sessionId, cancellationToken);
            string? servedBy = null;

            await context.StepAsync("Session route reaches its session", async step =>
            {
                var (status, task, servedId) = await hermes.GetRouteAsync(sessionId, step.CancellationToken);
                StepScope.Check(status == options.ReadStatus, $"The session route answered HTTP {status}, expected {options.ReadStatus}.", status);
                StepScope.Check(servedId is null || servedId == sessionId, $"The route of {sessionId} answered for {servedId}.");
                var expectedTask = (await hermes.GetAsync(sessionId, step.CancellationToken)).Task ?? created.Task;
                StepScope.Check(task is null || expectedTask is null || task == expectedTask,
                    $"The route was served by task {task}, but Hermes says {sessionId} lives on {expectedTask}.");
                step.Detail = task is null ? $"HTTP {status}" : $"HTTP {status}, served by task {task}";
                servedBy = task;
            }, cancellationToken, options.StepTimeout);

            await context.StepAsync("Unknown route gives 404", async step =>
            {
                var status = await hermes.StatusOfPathAsync($"/hermes/no-such-route-{Guid.NewGuid():N}", step.CancellationToken);
                StepScope.Check(status == options.NotFoundStatus, $"An unknown /hermes route answered HTTP {status}, expected {options.NotFoundStatus}.", status);
                step.Detail = $"HTTP {status}";
            }, cancellationToken, options.StepTimeout);
            SessionFlow.Found(context, $"session route reaches its session{(servedBy is null ? "" : $" on task {SessionFlow.ShortTask(servedBy)}")}, unknown routes answer {options.NotFoundStatus}");
        }
        finally
        {
            await flow.DeleteSessionAsync(context, hermes, sessionId, throughApi: true);
        }
    }
}
