using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Probes.Scaling;

/// <summary>Why a failure is planned work, not an outage.</summary>
/// <param name="Parked">The service is (being) parked, as opposed to a rollout under way.</param>
public sealed record PlannedReason(string Message, bool Parked);

/// <summary>
/// Tells whether a probe's failure is explained by a change the dashboard itself made (a manual scale, a schedule, a
/// probe's warm-up) that is still rolling out — for at most <see cref="ScalingOptions.RolloutTimeout"/>, after which it
/// is a real failure again — or by the service being parked. Only probes that need the service (the ECS component
/// and what depends on it, per <see cref="ProbeTopology"/>) are explained this way.
/// </summary>
public sealed class PlannedWork(ServiceScaler scaler, ParkedServiceCheck parked, ProbeCatalog catalog, IOptions<ScalingOptions> scaling, TimeProvider time)
{
    /// <summary>Asked only for a failed run, so ECS is read (whether the service is parked) only then.</summary>
    /// <param name="runStartedAt">When the failed run started: a rollout in flight at any time since explains it.</param>
    public async Task<PlannedReason?> ExplainAsync(string probeId, DateTimeOffset runStartedAt, CancellationToken cancellationToken)
    {
        if (!catalog.Topology.Involves(probeId, PlatformComponent.Ecs))
        {
            return null;
        }

        var service = catalog.HermesService;
        if (scaler.InFlightSince(service, runStartedAt) is { } rollout)
        {
            var elapsed = time.GetUtcNow() - rollout.StartedAt;
            if (elapsed <= scaling.Value.RolloutTimeout)
            {
                var what = rollout.To == 0 ? "being parked" : rollout.From >= 0 && rollout.To < rollout.From ? "scaling down" : "starting";
                var from = rollout.From >= 0 ? $"{rollout.From} → " : "→ ";
                return new PlannedReason($"{service} is {what}: {Math.Max(0, elapsed.TotalSeconds):0} s of rollout ({from}{rollout.To}, {rollout.Reason} by {rollout.Actor})",
                    rollout.To == 0);
            }
        }

        // ECS itself, not the last poll: someone may have just scaled it with the CLI. When ECS cannot tell, the failure stands.
        return await parked.IsParkedAsync(cancellationToken) ? new PlannedReason(parked.ParkedMessage, true) : null;
    }
}
