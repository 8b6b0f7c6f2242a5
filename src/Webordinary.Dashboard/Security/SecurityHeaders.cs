using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// Headers on every answer, pages and API alike. The Content-Security-Policy allows scripts only from the dashboard
/// itself (plus the page's two inline scripts, the import map and the theme's first look, by a per-request nonce), no eval, no plugins, no
/// framing, and connections only back to the dashboard (its circuit's WebSocket included). Styles keep
/// 'unsafe-inline': MudBlazor writes style attributes and its theme's &lt;style&gt; element from the circuit, which
/// neither nonces nor hashes can cover; styles cannot run code.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next, IOptions<AuthOptions> auth)
{
    private const string NonceKey = "csp-nonce";

    /// <summary>Signing out posts to the dashboard, which redirects to the provider's end-session page: a form target too.</summary>
    private readonly string _formAction = auth.Value.Mode == AuthMode.Oidc && Uri.TryCreate(auth.Value.Oidc.Authority, UriKind.Absolute, out var authority)
        ? $"'self' {BrowserOrigins.OriginOf(authority)}"
        : "'self'";

    public static string NonceOf(HttpContext context) => context.Items[NonceKey] as string ?? "";

    public static bool IsHttps(string? publicUrl) => Uri.TryCreate(publicUrl, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps;

    public Task InvokeAsync(HttpContext context)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        // Written as the answer starts, so an error answer (whose headers the exception handler clears) has them too.
        context.Response.OnStarting(() =>
        {
            Write(context, nonce);
            return Task.CompletedTask;
        });
        return next(context);
    }

    private void Write(HttpContext context, string nonce)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
            $"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action {_formAction}; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        }
    }
}

/// <summary>
/// With an https <c>Dashboard:PublicUrl</c>, people reach the dashboard over https even when TLS ends at a load balancer
/// and the request arrives as plain HTTP: every request is treated as https (its origin, Secure cookies, HSTS).
/// </summary>
public sealed class PublicScheme(RequestDelegate next, IOptions<Probes.Configuration.DashboardOptions> dashboard)
{
    private readonly bool _https = SecurityHeaders.IsHttps(dashboard.Value.PublicUrl);

    public Task InvokeAsync(HttpContext context)
    {
        if (_https)
        {
            context.Request.Scheme = Uri.UriSchemeHttps;
        }

        return next(context);
    }
}
