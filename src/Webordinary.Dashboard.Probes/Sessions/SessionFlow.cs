using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>What every session-flow probe needs, in one place: the Hermes contract, the session rows, the parked check.</summary>
public sealed class SessionFlow(
    IHttpClientFactory httpClients,
    IAlbEndpoint alb,
    SessionRows rows,
    ParkedServiceCheck parked,
    IOptions<AwsOptions> aws,
    TimeProvider time)
{
    public SessionRows Rows => rows;

    public ParkedServiceCheck Parked => parked;

    public AwsOptions Aws => aws.Value;

    public TimeProvider Time => time;

    public (HermesSessions Hermes, HermesSessionOptions Options) For(ProbeDefinition definition)
    {
        var options = definition.Bind<HermesSessionOptions>();
        return (new HermesSessions(httpClients, alb, options), options);
    }

    /// <summary>
    /// First step of a flow: Hermes health through the ALB. Returns "up", or "parked" (the run is marked Parked),
    /// or "down" (unreachable while it should run).
    /// </summary>
    /// <param name="allowDown">False: an unreachable Hermes that is not parked fails the run here.</param>
    public async Task<HermesReachability> CheckHealthAsync(ProbeContext context, HermesSessions hermes, CancellationToken cancellationToken,
        bool markParked = true, bool allowDown = false)
    {
        // What the health check met, for the run's message when the flow cannot go on: who answered, and what.
        string? found = null;
        var answered = false;
        var healthy = await context.AttemptAsync("Hermes health via ALB", async step =>
        {
            int status;
            try
            {
                status = await hermes.StatusOfPathAsync(hermes.Options.HealthPath, step.CancellationToken);
            }
            catch (HermesUnreachableException exception)
            {
                found = exception.Message;
                throw;
            }
            catch (HermesErrorException exception)
            {
                (found, answered) = (exception.Message, true);
                throw;
            }

            step.Detail = $"HTTP {status}";
            (found, answered) = ($"{hermes.Options.HealthPath} answered HTTP {status}.", true);
            StepScope.Check(status == 200, found, status);
            return "up";
        }, cancellationToken, hermes.Options.StepTimeout) is not null;
        if (healthy)
        {
            return HermesReachability.Up;
        }

        if (await parked.IsParkedAsync(cancellationToken))
        {
            if (markParked)
            {
                context.Park(parked.ParkedMessage);
            }

            return HermesReachability.Parked;
        }

        if (!allowDown)
        {
            // The run's message is "step: reason": the step says what was checked, the reason what was found, each once.
            // Hermes that answered its health check is reachable and unhealthy; one that did not is unreachable.
            if (answered)
            {
                await context.StepAsync("Hermes healthy", _ => throw new ProbeCheckException($"no — {found}"), cancellationToken);
            }

            await context.StepAsync("Hermes reachable", _ => throw new HermesUnreachableException(
                $"no — {found ?? $"{hermes.Options.HealthPath} did not answer in time."} The service is not parked.", null), cancellationToken);
        }

        return HermesReachability.Down;
    }

    /// <summary>
    /// A passing flow's message, what it found ("session ready in 6.2 s, served by task 0003ab12"), and that what it
    /// made is gone: a cleanup that fails fails the run, so on a pass it is true.
    /// </summary>
    public static void Found(ProbeContext context, string finding) => context.Summary = $"{finding}, cleaned up";

    /// <summary>A task as people tell them apart: the id from its ARN, its first 8 characters (as short commit ids).</summary>
    public static string ShortTask(string task)
    {
        var id = task[(task.LastIndexOf('/') + 1)..];
        return id.Length > 8 ? id[..8] : id;
    }

    /// <summary>"6.2 s".</summary>
    public static string Seconds(double milliseconds) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{milliseconds / 1000:0.0} s");

    /// <summary>The "Create session via API" step of the flows that need Hermes up.</summary>
    public Task<HermesSession> CreateSessionAsync(ProbeContext context, HermesSessions hermes, string sessionId, CancellationToken cancellationToken) =>
        context.StepAsync("Create session via API", async step =>
        {
            var session = await hermes.CreateAsync(sessionId, time.GetUtcNow() + hermes.Options.SessionTtl, step.CancellationToken);
            step.Detail = session.SessionId + (session.Task is null ? "" : $" on task {session.Task}");
            return session;
        }, cancellationToken, hermes.Options.StepTimeout);

    /// <summary>Cleanup: the session through Hermes (when it can be reached), then its rows in DynamoDB.</summary>
    public async Task DeleteSessionAsync(ProbeContext context, HermesSessions hermes, string sessionId, bool throughApi)
    {
        if (throughApi)
        {
            await context.CleanupAsync("Delete session via API", async step =>
            {
                try
                {
                    step.Detail = await hermes.DeleteAsync(sessionId, step.CancellationToken) ? $"deleted {sessionId}" : $"{sessionId} was already gone";
                }
                catch (HermesUnreachableException exception)
                {
                    // The row below is what keeps the session; Hermes being away must not hide a clean removal.
                    step.Degrade($"Hermes unreachable ({exception.Message}); the row is removed directly.");
                }
                catch (HermesErrorException exception)
                {
                    step.Degrade($"Hermes failed ({exception.Message}); the row is removed directly.");
                }
            });
        }

        await context.CleanupAsync("Delete session row in DynamoDB", async step =>
        {
            var deleted = await rows.DeleteAsync(sessionId, step.CancellationToken);
            step.Detail = deleted == 0 ? "no row left" : $"deleted {deleted} row(s)";
        });
    }
}

public enum HermesReachability
{
    Up,
    Parked,
    Down,
}
