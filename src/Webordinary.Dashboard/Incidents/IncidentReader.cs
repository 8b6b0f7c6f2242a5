using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Incidents;

/// <summary>Reads one incident and what the stores hold about it (runs, the delivery log, the audit log) through their ports.</summary>
public sealed class IncidentReader(IIncidentStore incidents, IResultsStore results, INotificationOutbox outbox, IAuditStore audit, ProbeStatusFeed feed,
    TimeProvider time)
{
    public const int MaxFailingRuns = 20;

    /// <summary>Affected probes whose runs are read; an incident with more shows the rest without join times.</summary>
    public const int MaxProbesRead = 50;

    private const int DeliveryRows = 500;
    private const int AuditRows = 500;

    /// <summary>An id the API and the page take: 1–64 letters, digits, '-' and '_' (a run id is 32 hex digits).</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public async Task<Incident?> FindAsync(string id, CancellationToken cancellationToken) => IsValidId(id) ? await incidents.GetAsync(id, cancellationToken) : null;

    /// <summary>The incident's view; null when there is no such incident.</summary>
    public async Task<IncidentView?> ReadAsync(string id, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is not { } incident)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var end = incident.EndedAt ?? now;
        var probeIds = new[] { incident.RootCause }.Concat(incident.Affected).Distinct().ToList();
        var states = new Dictionary<string, ProbeState>();
        var firstFailing = new Dictionary<string, ProbeRun>();
        var recovered = new Dictionary<string, ProbeRun>();
        var failingRuns = new List<ProbeRun>();
        foreach (var probeId in probeIds.Take(MaxProbesRead))
        {
            if (feed.Get(probeId) is { } state)
            {
                states[probeId] = state;
            }

            var isRoot = probeId == incident.RootCause;
            await foreach (var run in results.StreamRunsAsync(probeId, incident.StartedAt, end.AddMilliseconds(1), cancellationToken))
            {
                if (run.Outcome == ProbeOutcome.Fail)
                {
                    firstFailing.TryAdd(probeId, run);
                    if (isRoot && failingRuns.Count < MaxFailingRuns && !recovered.ContainsKey(probeId))
                    {
                        failingRuns.Add(run);
                    }
                }
                else if (run.Outcome == ProbeOutcome.Pass && firstFailing.ContainsKey(probeId))
                {
                    recovered[probeId] = run;
                    break;
                }
            }
        }

        var before = await results.GetRunsAsync(incident.RootCause, 50, incident.StartedAt, cancellationToken);
        var deliveries = await outbox.ListAsync(new DeliveryQuery(DeliveryRows, IncidentId: incident.Id), cancellationToken);
        var actions = await audit.ListAsync(new AuditQuery(AuditRows), cancellationToken);
        var own = await audit.ListAsync(new AuditQuery(AuditRows, Target: incident.Id), cancellationToken);
        var notes = await incidents.ListNotesAsync(incident.Id, cancellationToken);
        return IncidentViewBuilder.Build(new IncidentFacts(incident, states, firstFailing, recovered, before.FirstOrDefault(r => r.Outcome == ProbeOutcome.Pass),
            failingRuns, deliveries, [.. actions, .. own], notes), now);
    }
}
