using Webordinary.Dashboard.Probes.Health;

namespace Webordinary.Dashboard.Components.Controls;

/// <summary>How a root cause's banner words its incident: the failed step as a step, the affected probes by name.</summary>
public static class IncidentText
{
    /// <summary>How many affected probes a banner names before "and N more".</summary>
    public const int NamedProbes = 3;

    /// <summary>
    /// "step “Describe table” failed: ServiceUnavailable …": the run's message is "step: reason", and a bare step name
    /// after the probe's reads like another probe's.
    /// </summary>
    public static string? Reason(Incident incident) =>
        incident is { FailedStep: { } step, Reason: { } reason } && reason.StartsWith(step + ": ", StringComparison.Ordinal)
            ? $"step “{step}” failed: {reason[(step.Length + 2)..]}"
            : incident.Reason;

    /// <summary>"session-routing, session-concurrent, session-persistence and 2 more"; empty for none.</summary>
    public static string Names(IReadOnlyList<string> probes) => probes.Count switch
    {
        0 => "",
        <= NamedProbes => string.Join(", ", probes.Take(probes.Count - 1)) + (probes.Count > 1 ? " and " : "") + probes[^1],
        _ => $"{string.Join(", ", probes.Take(NamedProbes))} and {probes.Count - NamedProbes} more",
    };
}
