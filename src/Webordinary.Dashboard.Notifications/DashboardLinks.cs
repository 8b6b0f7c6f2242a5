using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Configuration;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// Links in messages: under <c>Dashboard:PublicUrl</c> (the address people open the dashboard at), else the address
/// the dashboard listens on (right on one machine, and in the sandbox).
/// </summary>
public sealed class DashboardLinks(IOptions<DashboardOptions> options, IServer server)
{
    private string? _home;

    /// <summary>The dashboard's address, ending in '/'.</summary>
    public string Home => _home ?? Resolve();

    /// <summary>The probe's page: its status, its incidents, its runs.</summary>
    public string Probe(string probeId) => $"{Home}probes/{Uri.EscapeDataString(probeId)}";

    /// <summary>The incident's page: its timeline and postmortem.</summary>
    public string Incident(string incidentId) => $"{Home}incidents/{Uri.EscapeDataString(incidentId)}";

    public string Notifications => $"{Home}notifications";

    private string Resolve()
    {
        if (options.Value.PublicUrl is { Length: > 0 } publicUrl)
        {
            return _home = publicUrl.TrimEnd('/') + "/";
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http", StringComparison.OrdinalIgnoreCase));
        if (address is null)
        {
            // Not listening yet: not kept, so the address is used once there is one.
            return "http://localhost/";
        }

        var uri = new UriBuilder(address);
        if (uri.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*")
        {
            uri.Host = "localhost";
        }

        return _home = uri.Uri.GetLeftPart(UriPartial.Authority) + "/";
    }
}
