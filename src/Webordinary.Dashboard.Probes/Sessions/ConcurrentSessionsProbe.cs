using System.Diagnostics;
using System.Text.Json.Nodes;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>
/// Concurrent: N sessions (default 5) created, written and read back in parallel; all succeed, none sees another's
/// data, all are removed. Reports p50/p95/max of the per-session timings.
/// </summary>
public sealed class ConcurrentSessionsProbe(ProbeDefinition definition, SessionFlow flow) : IProbe
{
    public const string KindName = "SessionConcurrent";

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

        var count = Math.Clamp(options.Concurrency, 1, 50);
        var sessions = Enumerable.Range(0, count).Select(_ => (Id: HermesSessions.NewSessionId(), Nonce: Guid.NewGuid().ToString("N"))).ToList();
        double sessionP95 = 0;
        try
        {
            await context.StepAsync($"Create {count} sessions in parallel", async step =>
            {
                var timings = await Task.WhenAll(sessions.Select(async session =>
                {
                    var clock = Stopwatch.StartNew();
                    await hermes.CreateAsync(session.Id, flow.Time.GetUtcNow() + options.SessionTtl, step.CancellationToken);
                    await hermes.WriteStateAsync(session.Id, new JsonObject { ["session"] = session.Id, ["nonce"] = session.Nonce }, step.CancellationToken);
                    await hermes.GetAsync(session.Id, step.CancellationToken);
                    return clock.Elapsed.TotalMilliseconds;
                }));
                Array.Sort(timings);
                var (p50, p95, max) = (Percentile(timings, 0.50), Percentile(timings, 0.95), timings[^1]);
                context.Record("sessionP50Ms", p50);
                context.Record("sessionP95Ms", p95);
                sessionP95 = p95;
                context.Record("sessionMaxMs", max);
                step.Detail = $"{count}/{count} created, written and read; per session p50 {p50:0} ms, p95 {p95:0} ms, max {max:0} ms";
            }, cancellationToken, options.StepTimeout * 2);

            await context.StepAsync("No data crosses between sessions", async step =>
            {
                foreach (var session in sessions)
                {
                    var read = await hermes.GetAsync(session.Id, step.CancellationToken);
                    StepScope.Check(read.SessionId == session.Id, $"Reading {session.Id} returned session {read.SessionId}.");
                    var state = read.State is null ? null : JsonNode.Parse(read.State);
                    StepScope.Check(state?["session"]?.GetValue<string>() == session.Id && state["nonce"]?.GetValue<string>() == session.Nonce,
                        $"{session.Id} holds data that is not its own: {read.State}");
                }

                step.Detail = $"each of {count} sessions holds only its own data";
                SessionFlow.Found(context, $"{count} sessions at once, each with only its own data, p95 {sessionP95:0} ms");
            }, cancellationToken, options.StepTimeout);
        }
        finally
        {
            await context.CleanupAsync($"Delete {count} sessions", async step =>
            {
                foreach (var session in sessions)
                {
                    await hermes.DeleteAsync(session.Id, step.CancellationToken);
                }

                step.Detail = $"deleted {count} via the API";
            });
            await context.CleanupAsync("Delete session rows in DynamoDB", async step =>
            {
                var rows = 0;
                foreach (var session in sessions)
                {
                    rows += await flow.Rows.DeleteAsync(session.Id, step.CancellationToken);
                }

                step.Detail = rows == 0 ? "no row left" : $"deleted {rows} row(s)";
            });
        }
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}
