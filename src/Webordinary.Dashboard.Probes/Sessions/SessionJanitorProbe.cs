using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>
/// The janitor: finds probe-made sessions (marked id, TTL) older than their TTL, removes them through Hermes and
/// then from DynamoDB, and says what it removed. Finding any leftover makes the run Degraded — a visible warning:
/// a leaked session costs money and is a bug.
/// </summary>
public sealed class SessionJanitorProbe(ProbeDefinition definition, SessionFlow flow) : IProbe
{
    public const string KindName = "SessionJanitor";

    public string Id => definition.Id;

    public string Kind => KindName;

    public async Task RunAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var (hermes, options) = flow.For(definition);
        var now = flow.Time.GetUtcNow();
        var marked = await context.StepAsync("Scan for probe sessions", async step =>
        {
            var found = await flow.Rows.FindMarkedAsync(step.CancellationToken);
            var expired = found.Where(s => s.ExpiresAt is null || s.ExpiresAt <= now).ToList();
            step.Detail = $"{found.Count} probe session(s), {expired.Count} past their TTL";
            return expired;
        }, cancellationToken, options.StepTimeout);

        if (marked.Count == 0)
        {
            context.Summary = "No leftover probe sessions.";
            return;
        }

        var removed = new List<string>();
        await context.StepAsync($"Remove {marked.Count} expired session(s)", async step =>
        {
            foreach (var (sessionId, _) in marked)
            {
                try
                {
                    await hermes.DeleteAsync(sessionId, step.CancellationToken);
                }
                catch (Exception exception) when (exception is HermesUnreachableException or HermesErrorException)
                {
                    // Hermes is away (parked, down) or failing: the row is what costs, and it goes next.
                }

                await flow.Rows.DeleteAsync(sessionId, step.CancellationToken);
                removed.Add(sessionId);
            }

            step.Detail = $"removed {string.Join(", ", removed)}";
        }, cancellationToken, options.StepTimeout * Math.Max(1, marked.Count));
        context.Degrade($"Removed {removed.Count} leaked probe session(s): {string.Join(", ", removed)}.");
    }
}
