using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Scheduling;

/// <summary>The configured probes, built once from validated options, in configuration order.</summary>
public sealed class ProbeCatalog
{
    private readonly Dictionary<string, (ProbeDefinition Definition, IProbe Probe)> _probes = new(StringComparer.OrdinalIgnoreCase);

    public ProbeCatalog(IOptions<DashboardOptions> options, IConfiguration configuration, ProbeKindRegistry kinds, IServiceProvider services)
    {
        foreach (var (id, settings) in options.Value.Probes)
        {
            var definition = new ProbeDefinition(id, settings, configuration.GetSection($"{DashboardOptions.SectionName}:Probes:{id}"));
            var probe = (IProbe)ActivatorUtilities.CreateInstance(services, kinds.TypeOf(settings.Kind), definition);
            _probes[id] = (definition, probe);
            Definitions.Add(definition);
        }
    }

    public List<ProbeDefinition> Definitions { get; } = [];

    public bool TryGet(string probeId, out ProbeDefinition definition, out IProbe probe)
    {
        if (_probes.TryGetValue(probeId, out var entry))
        {
            (definition, probe) = entry;
            return true;
        }

        (definition, probe) = (null!, null!);
        return false;
    }
}
