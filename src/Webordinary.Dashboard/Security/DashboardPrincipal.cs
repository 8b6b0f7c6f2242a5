using System.Security.Claims;
using Webordinary.Dashboard.Probes.Audit;

namespace Webordinary.Dashboard.Security;

/// <summary>The claims every authentication mode leaves on the user, and what the rest of the dashboard reads from them.</summary>
public static class DashboardPrincipal
{
    public const string SubjectClaim = "sub";
    public const string NameClaim = "name";

    /// <summary>The dashboard role (<see cref="DashboardRole"/>), set by the API key and local handlers or mapped from the groups.</summary>
    public const string RoleClaim = "dashboard:role";

    /// <summary>How the user was authenticated: <c>cookie</c>, <c>alb</c>, <c>apikey</c> or <c>local</c>.</summary>
    public const string ViaClaim = "dashboard:via";

    public static ClaimsPrincipal Create(string scheme, string subject, string name, string via, DashboardRole? role, IEnumerable<Claim>? more = null)
    {
        var claims = new List<Claim> { new(SubjectClaim, subject), new(NameClaim, name), new(ViaClaim, via) };
        if (role is { } r)
        {
            claims.Add(new Claim(RoleClaim, r.ToString()));
        }

        claims.AddRange(more ?? []);
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, NameClaim, RoleClaim));
    }

    public static DashboardRole? RoleOf(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && Enum.TryParse<DashboardRole>(user.FindFirst(RoleClaim)?.Value, out var role) ? role : null;

    public static string? ViaOf(ClaimsPrincipal user) => user.FindFirst(ViaClaim)?.Value;

    public static Actor ActorOf(ClaimsPrincipal user)
    {
        var subject = user.FindFirst(SubjectClaim)?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity?.Name ?? "anonymous";
        var name = user.FindFirst(NameClaim)?.Value ?? user.FindFirst("email")?.Value ?? user.FindFirst("preferred_username")?.Value
            ?? user.Identity?.Name ?? subject;
        return new Actor(subject, name, ViaOf(user) ?? "unknown");
    }

    /// <summary>Null when <paramref name="user"/> may act as <paramref name="needed"/>, else why not ("Operators only").</summary>
    public static string? Denial(ClaimsPrincipal user, DashboardRole needed) => RoleOf(user) is { } role && role >= needed ? null : Only(needed);

    public static string Only(DashboardRole role) => role switch
    {
        DashboardRole.Admin => "Admins only",
        DashboardRole.Operator => "Operators only",
        _ => "Signed-in users with a role only",
    };
}
