using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Sandbox;

/// <summary>The sandbox ALB is this app: its base URL is the address Kestrel actually bound (port 0 included).</summary>
internal sealed class SandboxAlbEndpoint(IServer server) : IAlbEndpoint
{
    private Uri? _baseUrl;

    public Uri BaseUrl => _baseUrl ??= Resolve();

    private Uri Resolve()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("The server has no addresses yet.");
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.First();
        var uri = new UriBuilder(address);
        // A wildcard binding is reached on loopback from inside the app.
        if (uri.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*")
        {
            uri.Host = "127.0.0.1";
        }

        uri.Path = HermesSimulator.AlbPathBase + "/";
        return uri.Uri;
    }
}
