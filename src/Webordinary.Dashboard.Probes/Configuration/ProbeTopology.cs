namespace Webordinary.Dashboard.Probes.Configuration;

/// <summary>
/// Which probe needs which (<c>Dashboard:Probes:{id}:DependsOn</c>, or its kind's defaults) and the component each
/// checks. A probe that fails while something it needs is Down is caused by that, not a problem of its own. The
/// platform's shape lives here and in the kinds' defaults (<see cref="ProbeKindRegistry"/>), nowhere else.
/// </summary>
public sealed class ProbeTopology
{
    private readonly Dictionary<string, IReadOnlyList<string>> _dependsOn = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PlatformComponent> _components = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IReadOnlyList<string>> _ancestors = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IReadOnlyList<string>> _dependents = new(StringComparer.OrdinalIgnoreCase);

    private ProbeTopology(IReadOnlyList<string> ids, Dictionary<string, IReadOnlyList<string>> dependsOn, Dictionary<string, PlatformComponent> components)
    {
        Ids = ids;
        _dependsOn = dependsOn;
        _components = components;
        foreach (var id in ids)
        {
            _ancestors[id] = Walk(id, p => _dependsOn.GetValueOrDefault(p) ?? []);
        }

        foreach (var id in ids)
        {
            _dependents[id] = [.. ids.Where(other => _ancestors[other].Contains(id, StringComparer.OrdinalIgnoreCase))];
        }
    }

    /// <summary>The probes, in configuration order.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>An empty topology (no probes), for tests of parts that do not need one.</summary>
    public static ProbeTopology Empty { get; } = new([], new(), new());

    /// <summary>What the probe needs directly.</summary>
    public IReadOnlyList<string> DependsOn(string probeId) => _dependsOn.GetValueOrDefault(probeId) ?? [];

    /// <summary>Everything the probe needs, directly or through others, nearest first.</summary>
    public IReadOnlyList<string> Ancestors(string probeId) => _ancestors.GetValueOrDefault(probeId) ?? [];

    /// <summary>Every probe that needs this one, directly or through others, in configuration order.</summary>
    public IReadOnlyList<string> Dependents(string probeId) => _dependents.GetValueOrDefault(probeId) ?? [];

    public PlatformComponent? ComponentOf(string probeId) => _components.TryGetValue(probeId, out var component) ? component : null;

    /// <summary>The probe checks <paramref name="component"/>, or needs a probe that does.</summary>
    public bool Involves(string probeId, PlatformComponent component) =>
        ComponentOf(probeId) == component || Ancestors(probeId).Any(a => ComponentOf(a) == component);

    /// <summary>The probes that check <paramref name="component"/> and every probe that needs one of them.</summary>
    public IReadOnlyList<string> Affected(PlatformComponent component) => [.. Ids.Where(id => Involves(id, component))];

    /// <summary>Resolves every probe's dependencies and component; <paramref name="errors"/> names the keys that are wrong.</summary>
    public static ProbeTopology Resolve(IReadOnlyDictionary<string, ProbeSettings> probes, ProbeKindRegistry kinds, out List<string> errors)
    {
        errors = [];
        var ids = probes.Keys.ToList();
        var dependsOn = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        var components = new Dictionary<string, PlatformComponent>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, settings) in probes)
        {
            var key = $"{DashboardOptions.SectionName}:Probes:{id}";
            var kind = kinds.Contains(settings.Kind) ? kinds.Get(settings.Kind) : null;
            if (settings.Component is { } named)
            {
                if (PlatformComponents.TryParse(named, out var component))
                {
                    components[id] = component;
                }
                else
                {
                    errors.Add($"{key}:Component '{named}' is not a component. Known: {PlatformComponents.Known}.");
                }
            }
            else if (kind?.Component is { } byKind)
            {
                components[id] = byKind;
            }

            if (settings.DependsOn is { } configured)
            {
                var listed = configured.Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => d.Trim()).ToList();
                foreach (var unknown in listed.Where(d => !probes.ContainsKey(d)))
                {
                    errors.Add($"{key}:DependsOn names '{unknown}', which is not a configured probe (Dashboard:Probes).");
                }

                if (listed.Contains(id, StringComparer.OrdinalIgnoreCase))
                {
                    errors.Add($"{key}:DependsOn names the probe itself.");
                }

                dependsOn[id] = [.. listed.Where(d => probes.ContainsKey(d) && !d.Equals(id, StringComparison.OrdinalIgnoreCase))
                    .Select(d => probes.Keys.First(k => k.Equals(d, StringComparison.OrdinalIgnoreCase))).Distinct(StringComparer.OrdinalIgnoreCase)];
            }
            else if (kind is not null)
            {
                dependsOn[id] = DefaultsOf(id, kind, probes, kinds);
            }
        }

        var topology = new ProbeTopology(ids, dependsOn, components);
        foreach (var id in ids.Where(id => topology.Ancestors(id).Contains(id, StringComparer.OrdinalIgnoreCase)))
        {
            errors.Add($"{DashboardOptions.SectionName}:Probes:{id}:DependsOn makes a cycle: {id} needs itself through {string.Join(" → ", topology.DependsOn(id))}.");
        }

        return topology;
    }

    /// <summary>
    /// The configured probes of the kinds this kind needs; where none of a kind is configured, what that kind would
    /// need (so a hermes-health without an ALB probe still needs the ECS probe).
    /// </summary>
    private static List<string> DefaultsOf(string id, ProbeKind kind, IReadOnlyDictionary<string, ProbeSettings> probes, ProbeKindRegistry kinds)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { kind.Name };
        var pending = new Queue<string>(kind.DependsOnKinds);
        while (pending.TryDequeue(out var needed))
        {
            if (!seen.Add(needed))
            {
                continue;
            }

            var ofKind = probes.Where(p => p.Value.Kind.Equals(needed, StringComparison.OrdinalIgnoreCase) && !p.Key.Equals(id, StringComparison.OrdinalIgnoreCase))
                .Select(p => p.Key).ToList();
            if (ofKind.Count > 0)
            {
                result.AddRange(ofKind.Where(p => !result.Contains(p, StringComparer.OrdinalIgnoreCase)));
            }
            else if (kinds.Contains(needed))
            {
                foreach (var further in kinds.Get(needed).DependsOnKinds)
                {
                    pending.Enqueue(further);
                }
            }
        }

        return result;
    }

    private static List<string> Walk(string start, Func<string, IReadOnlyList<string>> next)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<string>(next(start));
        while (queue.TryDequeue(out var id))
        {
            if (!seen.Add(id))
            {
                continue;
            }

            result.Add(id);
            foreach (var further in next(id))
            {
                queue.Enqueue(further);
            }
        }

        return result;
    }
}
