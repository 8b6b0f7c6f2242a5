using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Configuration;

/// <summary>The probe kinds that configuration may name, each mapped to its probe class.</summary>
public sealed class ProbeKindRegistry
{
    private readonly Dictionary<string, Type> _kinds = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Names => _kinds.Keys.Order(StringComparer.Ordinal);

    public ProbeKindRegistry Add<TProbe>(string kind) where TProbe : IProbe
    {
        _kinds[kind] = typeof(TProbe);
        return this;
    }

    public bool Contains(string kind) => _kinds.ContainsKey(kind);

    public Type TypeOf(string kind) => _kinds[kind];
}
