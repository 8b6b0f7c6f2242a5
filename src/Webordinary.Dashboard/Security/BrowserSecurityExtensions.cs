using Microsoft.AspNetCore.HostFiltering;
using Webordinary.Dashboard.Hosting;

namespace Webordinary.Dashboard.Security;

public static class BrowserSecurityExtensions
{
    /// <summary>Host names, origins and the answers to requests the framework cannot read.</summary>
    public static WebApplicationBuilder AddBrowserSecurity(this WebApplicationBuilder builder)
    {
        var setting = builder.Configuration[AllowedHosts.Key];
        var services = builder.Services;
        if (LoopbackOnly.RemoteAccessAllowed(builder.Configuration) && AllowedHosts.IsAny(setting))
        {
            // Refused at start with the other configuration errors (exit 2, the key named).
            services.AddOptions<AllowedHostsRefusal>().Validate(_ => false,
                $"{AllowedHosts.Key} is '{setting ?? ""}': with remote access on, it must list the host names the dashboard is reached at (e.g. dashboard.example.com), so that DNS rebinding cannot make a foreign page same-origin.")
                .ValidateOnStart();
        }

        services.AddSingleton(new AllowedHosts(AllowedHosts.Parse(setting)));
        // HostGuard does the framework's host filtering, with /alive open to load balancers' health checks.
        services.Configure<HostFilteringOptions>(o => o.AllowedHosts = ["*"]);
        services.AddSingleton<BrowserOrigins>();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Bodies the framework cannot bind become BadHttpRequestException, answered as ProblemDetails with the reason.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
            // Every endpoint, the ones from --urls and Kestrel:Endpoints included: requests Kestrel cannot parse get a body.
            kestrel.ConfigureEndpointDefaults(BareRequestErrorBodies.Use);
        });
        return builder;
    }

    private sealed class AllowedHostsRefusal;

    /// <summary>In front of everything: host check, headers, the answers for unreadable requests, cross-origin refusals.</summary>
    public static WebApplication UseBrowserSecurity(this WebApplication app)
    {
        app.UseMiddleware<PublicScheme>();
        app.UseMiddleware<SecurityHeaders>();
        app.UseMiddleware<HostGuard>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseBrowserNotFoundPage();
        app.UseMiddleware<HeadAsGet>();
        app.UseMiddleware<CrossOriginGuard>();
        app.UseMiddleware<ApiBodyLimit>();
        return app;
    }
}
