using Webordinary.Dashboard.Hosting;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// The Host names the dashboard answers to (<c>AllowedHosts</c>, ';'-separated, <c>*.example.com</c> for subdomains).
/// DNS rebinding — a foreign name pointed at the dashboard's address — turns a page on that name into a same-origin
/// page, so a request for any other name is 400 before anything runs, and so is a request without a Host. The
/// loopback names are always allowed (a page can only send them from the dashboard's own origin). <c>/alive</c>
/// answers on any name: load-balancer health checks address the target by its IP.
/// </summary>
public sealed class HostGuard(RequestDelegate next, AllowedHosts hosts)
{
    public const string AlivePath = "/alive";

    public async Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Host;
        if (!host.HasValue || string.IsNullOrWhiteSpace(host.Host))
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Missing Host", "The request has no Host header.");
            return;
        }

        if (!hosts.Allows(host.Host) && !context.Request.Path.Equals(AlivePath, StringComparison.OrdinalIgnoreCase))
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Unknown host",
                "This dashboard does not answer to that host name (AllowedHosts).");
            return;
        }

        await next(context);
    }
}

/// <summary>The parsed <c>AllowedHosts</c> setting, with the loopback names always in.</summary>
public sealed class AllowedHosts
{
    public const string Key = "AllowedHosts";

    public static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    private readonly HashSet<string> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _suffixes = [];

    public AllowedHosts(IEnumerable<string> names)
    {
        foreach (var name in names.Concat(LoopbackNames))
        {
            if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                _suffixes.Add(name[1..]);
            }
            else
            {
                _exact.Add(name);
            }
        }
    }

    public IReadOnlyCollection<string> Names => [.. _exact, .. _suffixes.Select(s => "*" + s)];

    /// <summary>The configured names; "*" or nothing means none beyond loopback (the caller decides whether that is allowed).</summary>
    public static IReadOnlyList<string> Parse(string? setting) =>
        [.. (setting ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(n => n != "*")];

    public static bool IsAny(string? setting) => string.IsNullOrWhiteSpace(setting) || Parse(setting).Count == 0;

    public bool Allows(string host)
    {
        // HostString gives IPv6 hosts in brackets, as AllowedHosts names them.
        if (_exact.Contains(host))
        {
            return true;
        }

        foreach (var suffix in _suffixes)
        {
            if (host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && host.Length > suffix.Length)
            {
                return true;
            }
        }

        return false;
    }
}
