using System.Diagnostics;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>
/// The team's main flow: Hermes health → create a session (through the API; if Hermes is unreachable, straight
/// into DynamoDB and the run is Degraded) → verify it through the API and in DynamoDB → an invalid id is 404 →
/// wait for container readiness → clean up. Records the cold-start split (milliseconds after the session was
/// accepted): row written, task RUNNING, target healthy, first 200 from the session's route.
/// Parked Hermes is reported Parked, unless <see cref="HermesSessionOptions.WarmUp"/>: then it is scaled to 1
/// for the run and parked again as a cleanup step.
/// </summary>
public sealed class ColdStartProbe(ProbeDefinition definition, SessionFlow flow, IEcsClient ecs, IElbClient elb, ServiceScaler scaler) : IProbe
{
    public const string KindName = "SessionColdStart";

    public const string RowWrittenMetric = "rowWrittenMs";
    public const string TaskRunningMetric = "taskRunningMs";
    public const string TargetHealthyMetric = "targetHealthyMs";
    public const string FirstResponseMetric = "firstResponseMs";

    /// <summary>The split's metrics in the order they happen, with the names people read (legends, a run's figures).</summary>
    public static IReadOnlyList<(string Metric, string Label)> Split { get; } =
    [
        (RowWrittenMetric, "Row written"),
        (TaskRunningMetric, "Task running"),
        (TargetHealthyMetric, "Target healthy"),
        (FirstResponseMetric, "First 200"),
    ];

    public string Id => definition.Id;

    public string Kind => KindName;

    public async Task RunAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var (hermes, options) = flow.For(definition);
        var sessionId = HermesSessions.NewSessionId();
        var warmedUp = false;
        var createdViaApi = false;
        var reachability = HermesReachability.Up;
        try
        {
            reachability = await flow.CheckHealthAsync(context, hermes, cancellationToken, markParked: !options.WarmUp, allowDown: true);
            if (reachability == HermesReachability.Parked)
            {
                if (!options.WarmUp)
                {
                    return;
                }

                await context.StepAsync("Warm up: scale Hermes to 1", async step =>
                {
                    var result = await scaler.RequestAsync(flow.Aws.Service, 1, ScaleReason.ProbeWarmUp, Audit.Actor.Probe(Id), step.CancellationToken);
                    StepScope.Check(result.Status is ScaleRequestStatus.Accepted or ScaleRequestStatus.NoChange, result.Message);
                    step.Detail = result.Message;
                }, cancellationToken, options.StepTimeout);
                warmedUp = true;
            }

            var accepted = flow.Time.GetUtcNow();
            var clock = Stopwatch.StartNew();
            if (reachability == HermesReachability.Up)
            {
                var created = await context.AttemptAsync("Create session via API", async step =>
                {
                    var session = await hermes.CreateAsync(sessionId, accepted + options.SessionTtl, step.CancellationToken);
                    StepScope.Check(session.SessionId == sessionId, $"Hermes created {session.SessionId}, not the requested {sessionId}.");
                    step.Detail = $"{session.SessionId} {session.Status}" + (session.Task is null ? "" : $" on task {session.Task}");
                    return session;
                }, cancellationToken, options.StepTimeout, tolerate: e => e is HermesUnreachableException);
                createdViaApi = created is not null;
                reachability = createdViaApi ? reachability : HermesReachability.Down;
            }

            if (!createdViaApi)
            {
                await context.StepAsync("Create session row in DynamoDB (fallback)", async step =>
                {
                    await flow.Rows.CreateAsync(sessionId, accepted + options.SessionTtl, step.CancellationToken);
                    step.Detail = warmedUp ? $"{sessionId} (Hermes is still starting)" : $"{sessionId} (Hermes unreachable)";
                }, cancellationToken, options.StepTimeout);
                if (reachability == HermesReachability.Down)
                {
                    context.Degrade("Hermes unreachable: the session was created directly in DynamoDB (fallback used).");
                }
            }

            if (createdViaApi)
            {
                await context.StepAsync("Verify session via API", async step =>
                {
                    var session = await hermes.GetAsync(sessionId, step.CancellationToken);
                    StepScope.Check(session.SessionId == sessionId, $"Reading {sessionId} returned {session.SessionId}.");
                    step.Detail = $"{session.SessionId} {session.Status}";
                }, cancellationToken, options.StepTimeout);
                await context.StepAsync("Invalid session id returns 404", async step =>
                {
                    var status = await hermes.StatusOfAsync($"{HermesSessions.MarkerPrefix}invalid-{Guid.NewGuid():N}", step.CancellationToken);
                    StepScope.Check(status == options.NotFoundStatus, $"An unknown session id answered HTTP {status}, expected {options.NotFoundStatus}.", status);
                    step.Detail = $"HTTP {status}";
                }, cancellationToken, options.StepTimeout);
            }

            await context.StepAsync("Verify session row in DynamoDB", async step =>
            {
                var found = await flow.Rows.FindAsync(sessionId, step.CancellationToken);
                StepScope.Check(found.Count > 0, $"No row for {sessionId} in {flow.Aws.SessionTable}.");
                if (found[0].TryGetValue("createdAt", out var created) && double.TryParse(Convert.ToString(created, System.Globalization.CultureInfo.InvariantCulture),
                        System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var createdMs))
                {
                    context.Record(RowWrittenMetric, Math.Max(0, createdMs - accepted.ToUnixTimeMilliseconds()));
                }

                step.Detail = $"row in {flow.Aws.SessionTable}";
            }, cancellationToken, options.StepTimeout);

            if (reachability != HermesReachability.Down)
            {
                await context.StepAsync("Wait for container readiness", step => WaitForReadinessAsync(context, hermes, sessionId, accepted, clock, step),
                    cancellationToken, options.ReadinessTimeout);
            }
        }
        finally
        {
            if (createdViaApi || reachability != HermesReachability.Parked || warmedUp)
            {
                await flow.DeleteSessionAsync(context, hermes, sessionId, throughApi: reachability != HermesReachability.Down);
            }

            if (warmedUp)
            {
                await context.CleanupAsync("Park Hermes again", async step =>
                {
                    var result = await scaler.RequestAsync(flow.Aws.Service, 0, ScaleReason.ProbeWarmUp, Audit.Actor.Probe(Id), step.CancellationToken, supersedeOwn: true);
                    StepScope.Check(result.Status is ScaleRequestStatus.Accepted or ScaleRequestStatus.NoChange, result.Message);
                    step.Detail = result.Message;
                });
            }
        }
    }

    /// <summary>Polls until the task runs, the target is healthy and the session's route answers 200, noting when each first held.</summary>
    private async Task WaitForReadinessAsync(ProbeContext context, HermesSessions hermes, string sessionId, DateTimeOffset accepted, Stopwatch clock, StepScope step)
    {
        var cancellationToken = step.CancellationToken;
        double? taskRunning = null, targetHealthy = null, firstResponse = null;
        using var poll = new PeriodicTimer(hermes.Options.ReadinessPollInterval, flow.Time);
        while (firstResponse is null)
        {
            if (taskRunning is null)
            {
                var tasks = await ecs.ListServiceTasksAsync(flow.Aws.Cluster, flow.Aws.Service, cancellationToken);
                if (tasks.Where(t => t.LastStatus == "RUNNING").MinBy(t => t.StartedAt) is { } running)
                {
                    taskRunning = Math.Max(0, running.StartedAt is { } started ? (started - accepted).TotalMilliseconds : clock.Elapsed.TotalMilliseconds);
                }
            }

            if (taskRunning is not null && targetHealthy is null
                && (await elb.DescribeTargetHealthAsync(flow.Aws.TargetGroup, cancellationToken)).Any(t => t.State == "healthy"))
            {
                targetHealthy = clock.Elapsed.TotalMilliseconds;
            }

            if (targetHealthy is not null)
            {
                try
                {
                    var (status, task, _) = await hermes.GetRouteAsync(sessionId, cancellationToken);
                    if (status == 200)
                    {
                        firstResponse = clock.Elapsed.TotalMilliseconds;
                        step.Detail = $"ready: task running +{taskRunning:0} ms, target healthy +{targetHealthy:0} ms, first 200 +{firstResponse:0} ms" +
                            (task is null ? "" : $" (task {task})");
                        SessionFlow.Found(context, $"session ready in {SessionFlow.Seconds(firstResponse.Value)}" + (task is null ? "" : $", served by task {SessionFlow.ShortTask(task)}"));
                        break;
                    }
                }
                catch (HermesUnreachableException)
                {
                    // The ALB has not routed to the new target yet.
                }
                catch (HermesErrorException)
                {
                    // A task still starting may fail its first requests; the readiness timeout bounds the wait.
                }
            }

            step.Detail = $"waiting: task {(taskRunning is null ? "not running" : "running")}, target {(targetHealthy is null ? "not healthy" : "healthy")}";
            await poll.WaitForNextTickAsync(cancellationToken);
        }

        context.Record(TaskRunningMetric, taskRunning!.Value);
        context.Record(TargetHealthyMetric, targetHealthy!.Value);
        context.Record(FirstResponseMetric, firstResponse.Value);
    }
}
