using System.Net;
using Webordinary.Dashboard.Probes.Configuration;

namespace Webordinary.Dashboard.Hosting;

public sealed class LoopbackOnlyException(string message) : Exception(message);

/// <summary>
/// Until authentication exists, the dashboard (which can scale services and inject faults) listens on loopback
/// only. Wildcard or external URLs are rewritten to 127.0.0.1 on the same port, and the log says so. Setting
/// <c>Dashboard:AllowRemoteAccess=true</c> (as the container image does, for use behind an authenticating proxy)
/// lifts this.
/// </summary>
public static class LoopbackOnly
{
    public static WebApplicationBuilder RestrictToLoopbackUnlessAllowed(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var allowRemote = RemoteAccessAllowed(configuration);
        string notice;
        if (allowRemote)
        {
            notice = Security.AuthenticationSetup.ModeOf(configuration) is var mode && mode != Security.AuthMode.None
                ? $"Sign-in is {mode}: listening on every configured address."
                : "Dashboard:AllowRemoteAccess is true: listening on every configured address WITHOUT authentication. Put an authenticating proxy in front.";
        }
        else
        {
            foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
            {
                if (endpoint["Url"] is { } url && !IsLoopback(url))
                {
                    // Refused at start with the other configuration errors (exit 2, the key named), before Kestrel binds.
                    var refusal = $"Kestrel:Endpoints:{endpoint.Key}:Url '{url}' is not a loopback address. No authentication is configured, so the dashboard listens on loopback only; set Dashboard:AllowRemoteAccess=true to listen there behind an authenticating proxy.";
                    builder.Services.AddOptions<LoopbackRefusal>().Validate(_ => false, refusal).ValidateOnStart();
                    return builder;
                }
            }

            var urls = ConfiguredUrls(configuration);
            var rewritten = urls.Select(ToLoopback).ToArray();
            if (rewritten.Length > 0)
            {
                builder.WebHost.UseUrls(rewritten);
            }

            notice = urls.SequenceEqual(rewritten)
                ? "No authentication is configured: listening on loopback only."
                : $"No authentication is configured: listening on loopback only ({string.Join(", ", rewritten)} instead of {string.Join(", ", urls)}). Set Dashboard:AllowRemoteAccess=true to listen on other interfaces behind an authenticating proxy.";
        }

        var warn = allowRemote && Security.AuthenticationSetup.ModeOf(configuration) == Security.AuthMode.None;
        builder.Services.AddHostedService(sp => new ListenNotice(notice, warn, sp.GetRequiredService<ILogger<ListenNotice>>()));
        return builder;
    }

    /// <summary>With a sign-in mode, or when told it sits behind an authenticating proxy.</summary>
    /// <remarks>A value that is not a boolean (e.g. "maybe") keeps the safe choice here; binding DashboardOptions then stops
    /// the start naming the key (exit 2), as every other bad value does.</remarks>
    public static bool RemoteAccessAllowed(IConfiguration configuration) =>
        (bool.TryParse(configuration[$"{DashboardOptions.SectionName}:{nameof(DashboardOptions.AllowRemoteAccess)}"], out var allowed) && allowed)
        || Security.AuthenticationSetup.ModeOf(configuration) is Security.AuthMode.Oidc or Security.AuthMode.AlbOidc;

    private static List<string> ConfiguredUrls(IConfiguration configuration)
    {
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        // ASPNETCORE_HTTP_PORTS / HTTPS_PORTS bind every interface.
        var ports = new List<string>();
        foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
        {
            if (configuration[key] is { Length: > 0 } value)
            {
                ports.AddRange(value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(port => $"{scheme}://*:{port}"));
            }
        }

        return ports;
    }

    public static bool IsLoopback(string url)
    {
        var host = HostOf(url);
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    private static string ToLoopback(string url)
    {
        if (IsLoopback(url))
        {
            return url;
        }

        var host = HostOf(url);
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal) + 3;
        return string.Concat(url.AsSpan(0, schemeEnd), "127.0.0.1", url.AsSpan(schemeEnd + host.Length));
    }

    private static string HostOf(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd < 0 ? url : url[(schemeEnd + 3)..];
        if (rest.StartsWith('['))
        {
            return rest[..(rest.IndexOf(']') + 1)];
        }

        var end = rest.IndexOfAny([':', '/']);
        return end < 0 ? rest : rest[..end];
    }

    /// <summary>Carries a refused listen address to the start's options validation.</summary>
    private sealed class LoopbackRefusal;

    private sealed class ListenNotice(string notice, bool warn, ILogger<ListenNotice> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.Log(warn ? LogLevel.Warning : LogLevel.Information, "{Notice}", notice);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
