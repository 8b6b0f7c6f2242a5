using Microsoft.Extensions.Configuration;

namespace Webordinary.Dashboard.Probes.Configuration;

/// <summary>A configured probe: its id, settings and its configuration section (for kind-specific settings).</summary>
public sealed record ProbeDefinition(string Id, ProbeSettings Settings, IConfigurationSection Section)
{
    public string Kind => Settings.Kind;

    /// <summary>Binds the kind-specific settings of this probe (defaults where the section is silent).</summary>
    public TOptions Bind<TOptions>() where TOptions : new()
    {
        var options = new TOptions();
        Section.Bind(options);
        return options;
    }
}
