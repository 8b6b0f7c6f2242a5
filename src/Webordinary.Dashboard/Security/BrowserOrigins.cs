using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Probes.Configuration;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// Which origins may drive the dashboard from a browser: its own (the scheme and Host of the request, which
/// <see cref="HostGuard"/> has already checked), <c>Dashboard:PublicUrl</c>, and <c>Dashboard:TrustedOrigins</c>.
/// </summary>
public sealed class BrowserOrigins(IOptions<DashboardOptions> options)
{
    private readonly HashSet<string> _configured = Configured(options.Value);

    /// <summary>Why the request is cross-site, or null when it comes from an allowed origin or from no browser at all.</summary>
    public string? CrossSiteReason(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        // Every browser sends Origin with WebSockets, fetches that are not GET, and form posts.
        if (request.Headers.Origin is { Count: > 0 } origins)
        {
            var origin = origins.ToString();
            // Under Referrer-Policy: no-referrer a browser's own form post says "Origin: null"; Sec-Fetch-Site, which
            // no page can set, tells it from an opaque (sandboxed, data:) origin's.
            if (origin == "null" && site == "same-origin")
            {
                return null;
            }

            return IsAllowed(request, origin) ? null : $"Origin '{Shorten(origin)}' is not this dashboard's origin nor in Dashboard:TrustedOrigins.";
        }

        // Fetch metadata is sent by current browsers on every request; a request without either comes from a program
        // (curl, an SDK), which no web page can make the browser send with the operator's credentials.
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return $"The browser says this request comes from another site (Sec-Fetch-Site: {Shorten(site)}).";
        }

        return null;
    }

    private bool IsAllowed(HttpRequest request, string origin)
    {
        if (origin.Equals($"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && _configured.Contains(OriginOf(uri));
    }

    public static string OriginOf(Uri uri) => uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();

    private static HashSet<string> Configured(DashboardOptions options)
    {
        var origins = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var publicUrl))
        {
            origins.Add(OriginOf(publicUrl));
        }

        foreach (var trusted in options.TrustedOrigins)
        {
            if (Uri.TryCreate(trusted, UriKind.Absolute, out var uri))
            {
                origins.Add(OriginOf(uri));
            }
        }

        return origins;
    }

    internal static string Shorten(string value) => value.Length <= 100 ? value : value[..100] + "…";
}

/// <summary>
/// Refuses what a page on another origin can make the operator's browser send: any request that changes something
/// (every method but GET, HEAD, OPTIONS and TRACE) and any request to the two hubs (their WebSocket handshake, negotiate
/// and fallback transports) when it comes from a foreign origin → 403 before anything runs. Under <c>/api</c> a body
/// must be JSON (415): the content types a page may post across origins without asking (form, text/plain) are refused.
/// The sandbox's simulated ALB is guarded too: the probes that call it are programs and send neither header.
/// </summary>
public sealed class CrossOriginGuard(RequestDelegate next, BrowserOrigins origins)
{
    public static readonly string[] HubPaths = ["/_blazor", Hubs.StatusHub.Path];

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var changes = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || HttpMethods.IsTrace(request.Method));
        var hub = HubPaths.Any(path => request.Path.StartsWithSegments(path));
        if ((changes || hub) && origins.CrossSiteReason(request) is { } reason)
        {
            await Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Cross-site request refused", reason);
            return;
        }

        if (changes && request.Path.StartsWithSegments("/api") && HasBody(request) && !IsReadableJson(request.ContentType))
        {
            await Problems.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"A request body here must be application/json, in UTF-8 or another charset .NET reads (got '{BrowserOrigins.Shorten(request.ContentType ?? "none")}').");
            return;
        }

        await next(context);
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>JSON, with no charset or one the body can be read in (an unknown one, or UTF-7, would fail the binding itself).</summary>
    private static bool IsReadableJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
        && (media.SubType.Equals("json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
        && (!media.Charset.HasValue || IsKnownCharset(media.Charset.Value!.Trim('"')));

    private static bool IsKnownCharset(string charset)
    {
        try
        {
            return System.Text.Encoding.GetEncoding(charset) is not null;
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}
