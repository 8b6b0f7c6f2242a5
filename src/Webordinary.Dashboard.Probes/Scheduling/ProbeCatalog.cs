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
        Topology = ProbeTopology.Resolve(options.Value.Probes, kinds, out _);
        foreach (var (id, settings) in options.Value.Probes)
        {
            var definition = new ProbeDefinition(id, settings, configuration.GetSection($"{DashboardOptions.SectionName}:Probes:{id}"));
            var probe = (IProbe)ActivatorUtilities.CreateInstance(services, kinds.TypeOf(settings.Kind), definition);
            _probes[id] = (definition, probe);
            Definitions.Add(definition);
        }
    }

    public List<ProbeDefinition> Definitions { get; } = [];

    /// <summary>The ECS service the probes of the ECS component check (<c>Aws:Service</c>).</summary>
    public string HermesService { get; }

    /// <summary>Which probe needs which, and what each checks (validated at start).</summary>
    public ProbeTopology Topology { get; }

    /// <summary>
    /// The probes that need <paramref name="service"/> running: those that check the ECS service and every probe that
    /// needs one of them (with the default topology: ECS, ALB, Hermes health and the session flows but the janitor).
    /// </summary>
    public IReadOnlyList<ProbeDefinition> NeedingService(string service) => service != HermesService
        ? []
        : [.. Definitions.Where(d => Topology.Involves(d.Id, PlatformComponent.Ecs))];

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
