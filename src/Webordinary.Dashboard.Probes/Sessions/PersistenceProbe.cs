using System.Text.Json;
using System.Text.Json.Nodes;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>
/// Persistence: state written into a session reads back unchanged after a delay — and, where the platform can
/// (the sandbox), after the session's task has been replaced.
/// </summary>
public sealed class PersistenceProbe(ProbeDefinition definition, SessionFlow flow, IEnumerable<ISessionTaskReplacer> replacers) : IProbe
{
    public const string KindName = "SessionPersistence";

    private readonly ISessionTaskReplacer? _replacer = replacers.FirstOrDefault();

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
        var state = new JsonObject { ["probe"] = Id, ["nonce"] = Guid.NewGuid().ToString("N"), ["writtenAt"] = flow.Time.GetUtcNow().ToString("O") };
        try
        {
            var created = await flow.CreateSessionAsync(context, hermes, sessionId, cancellationToken);
            string? replaced = null;

            await context.StepAsync("Write session state", async step =>
            {
                await hermes.WriteStateAsync(sessionId, state, step.CancellationToken);
                step.Detail = $"nonce {state["nonce"]}";
            }, cancellationToken, options.StepTimeout);

            await context.StepAsync($"Wait {options.PersistenceDelay.TotalSeconds:0.#} s", async step =>
            {
                await Task.Delay(options.PersistenceDelay, flow.Time, step.CancellationToken);
                step.Detail = "state left alone";
            }, cancellationToken, options.PersistenceDelay + options.StepTimeout);

            if (options.ReplaceTask && _replacer is not null && created.Task is { } task)
            {
                await context.StepAsync("Replace the session's task", async step =>
                {
                    StepScope.Check(await _replacer.ReplaceAsync(task, step.CancellationToken), $"Task {task} could not be replaced.");
                    step.Detail = $"replacing {task}: a new task starts, then {task} drains";
                    replaced = task;
                }, cancellationToken, options.StepTimeout);

                // The old task serves until its replacement is healthy (a rolling replacement), then the session moves.
                await context.StepAsync("Wait until another task serves the session", async step =>
                {
                    using var poll = new PeriodicTimer(options.ReadinessPollInterval, flow.Time);
                    while (true)
                    {
                        try
                        {
                            var session = await hermes.GetAsync(sessionId, step.CancellationToken);
                            step.Detail = $"served by task {session.Task}";
                            if (session.Task != task)
                            {
                                return;
                            }
                        }
                        catch (Exception exception) when (exception is HermesUnreachableException or HermesErrorException)
                        {
                            step.Detail = $"not served right now ({exception.Message})";
                        }

                        await poll.WaitForNextTickAsync(step.CancellationToken);
                    }
                }, cancellationToken, options.ReadinessTimeout);
            }

            await context.StepAsync("Read state back: unchanged", async step =>
            {
                var session = await hermes.GetAsync(sessionId, step.CancellationToken);
                StepScope.Check(session.State is not null, $"{sessionId} came back without its state.");
                var read = JsonNode.Parse(session.State!);
                StepScope.Check(JsonNode.DeepEquals(read, state), $"{sessionId} came back with different state: {Truncate(session.State!)}");
                step.Detail = "unchanged" + (session.Task is null ? "" : $" (now on task {session.Task})");
                SessionFlow.Found(context, replaced is { } from && session.Task is { } to
                    ? $"state kept when the session moved from task {SessionFlow.ShortTask(from)} to {SessionFlow.ShortTask(to)}"
                    : $"state unchanged after {options.PersistenceDelay.TotalSeconds:0.#} s");
            }, cancellationToken, options.StepTimeout);
        }
        finally
        {
            await flow.DeleteSessionAsync(context, hermes, sessionId, throughApi: true);
        }
    }

    private static string Truncate(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
