using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Configuration;

/// <summary>
/// What a probe kind is: its class, the component it checks, and the kinds it needs working to pass (its default
/// <c>DependsOn</c>). This is where the platform's default topology is written down.
/// </summary>
/// <param name="Component">Null for a kind that checks nothing of the platform's own (an HTTP endpoint anywhere).</param>
public sealed record ProbeKind(string Name, Type Type, PlatformComponent? Component, IReadOnlyList<string> DependsOnKinds);

/// <summary>The probe kinds that configuration may name, each mapped to its probe class, component and default dependencies.</summary>
public sealed class ProbeKindRegistry
{
    private readonly Dictionary<string, ProbeKind> _kinds = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Names => _kinds.Keys.Order(StringComparer.Ordinal);

    public ProbeKindRegistry Add<TProbe>(string kind, PlatformComponent? component, params string[] dependsOnKinds) where TProbe : IProbe
    {
        _kinds[kind] = new ProbeKind(kind, typeof(TProbe), component, dependsOnKinds);
        return this;
    }

    public bool Contains(string kind) => _kinds.ContainsKey(kind);

    public Type TypeOf(string kind) => _kinds[kind].Type;

    public ProbeKind Get(string kind) => _kinds[kind];
}
