using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Scheduling;

/// <summary>The configured probes, built once from validated options, in configuration order.</summary>
public sealed class ProbeCatalog
{
    private readonly Dictionary<string, (ProbeDefinition Definition, IProbe Probe)> _probes = new(StringComparer.OrdinalIgnoreCase);

    public ProbeCatalog(IOptions<DashboardOptions> options, IOptions<AwsOptions> aws, IConfiguration configuration, ProbeKindRegistry kinds, IServiceProvider services)
    {
        HermesService = aws.Value.Service;
        foreach (var (id, settings) in options.Value.Probes)
        {
            var definition = new ProbeDefinition(id, settings, configuration.GetSection($"{DashboardOptions.SectionName}:Probes:{id}"));
            var probe = (IProbe)ActivatorUtilities.CreateInstance(services, kinds.TypeOf(settings.Kind), definition);
            _probes[id] = (definition, probe);
            Definitions.Add(definition);
        }
    }

    public List<ProbeDefinition> Definitions { get; } = [];

    /// <summary>The service the Hermes probes depend on (<c>Aws:Service</c>).</summary>
    public string HermesService { get; }

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
