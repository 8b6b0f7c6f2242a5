using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Webordinary.Dashboard.Hosting;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> in every mode: the key's role, the actor <c>apikey:{name}</c>. A key that does
/// not work is 401 (never a fall-back to another identity); so is an API or hub request with no credentials.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory loggers, UrlEncoder encoder, ApiKeyStore keys, FailedKeyAttempts failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>Set on a request whose client has had too many wrong keys this minute: how long until it may try again.</summary>
    private static readonly object RetryAfterItem = new();

    /// <summary>
    /// Any Authorization header makes the request this handler's: a malformed one (another scheme, a tab for the space)
    /// is refused, never passed on to the mode's identity (the local user, the ALB's header).
    /// </summary>
    public static bool HasAuthorization(HttpRequest request) => request.Headers.Authorization.Count > 0;

    private static bool IsBearer(string header) => header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!HasAuthorization(Request))
        {
            return AuthenticateResult.NoResult();
        }

        if (Request.Headers.Authorization.Count != 1 || !IsBearer(Request.Headers.Authorization.ToString()))
        {
            return await FailAsync("Only API keys are accepted here: Authorization: Bearer <key>.");
        }

        var presented = Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        if (keys.Authenticate(presented) is not { } key)
        {
            return await FailAsync("The API key is not valid or was revoked.");
        }

        var principal = DashboardPrincipal.Create(SchemeName, $"apikey:{key.Name}", key.Name, "apikey", key.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private async Task<AuthenticateResult> FailAsync(string reason)
    {
        if (await failures.FailAsync(Context) is { } retryAfter)
        {
            Context.Items[RetryAfterItem] = retryAfter;
        }

        return AuthenticateResult.Fail(reason);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[RetryAfterItem] is TimeSpan retryAfter)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.WriteAsync(Context, StatusCodes.Status429TooManyRequests, "Too many wrong API keys",
                $"More than {FailedKeyAttempts.MaxPerMinute} wrong API keys came from this address within a minute; try again in {seconds} s.");
        }

        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer realm=\"Webordinary Dashboard\"";
        return Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Not signed in",
            HasAuthorization(Request) ? "The API key is not valid or was revoked." : "Send an API key (Authorization: Bearer <key>) or sign in.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AlbOidcAuthenticationHandler.Forbid(Context);
}

/// <summary><c>Auth:Mode = None</c>: everyone who reaches the dashboard (on loopback only) is the local user, an Admin.</summary>
public sealed class LocalAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory loggers, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
{
    public const string SchemeName = "Local";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.Success(
        new AuthenticationTicket(DashboardPrincipal.Create(SchemeName, "local", "local", "local", DashboardRole.Admin), SchemeName)));

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AlbOidcAuthenticationHandler.Forbid(Context);
}

/// <summary>
/// Gives a person signed in by the identity provider (cookie) or the ALB their dashboard role, from the groups in
/// the roles claim (<c>Auth:Roles</c>), else <c>Auth:DefaultRole</c>. Mapped on every request, so a change of the
/// mapping applies to people already signed in.
/// </summary>
public sealed class RoleClaimsTransformation(IOptions<AuthOptions> options) : IClaimsTransformation
{
    public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        // The API key and local handlers set the role themselves; people signed in elsewhere get it mapped here, always
        // (a role claim that came from outside is never taken).
        if (principal.Identity is not ClaimsIdentity { IsAuthenticated: true } || DashboardPrincipal.ViaOf(principal) is not ("cookie" or "alb"))
        {
            return Task.FromResult(principal);
        }

        var auth = options.Value;
        var claimType = DashboardPrincipal.ViaOf(principal) == "alb" ? auth.AlbOidc.RolesClaim : auth.Oidc.RolesClaim;
        var groups = principal.FindAll(claimType).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        DashboardRole? role = Enum.GetValues<DashboardRole>().Reverse()
            .Where(r => auth.Roles.TryGetValue(r, out var names) && names.Any(groups.Contains)).Cast<DashboardRole?>().FirstOrDefault();
        role ??= Enum.TryParse<DashboardRole>(auth.DefaultRole, out var fallback) ? fallback : null;
        // A copy of the identities too (ClaimsPrincipal.Clone shares them): the principal is the session's, kept in
        // SessionTickets and read by every request of that person at once (a page and its scripts).
        var copy = new ClaimsPrincipal(principal.Identities.Select(identity => identity.Clone()));
        var mapped = (ClaimsIdentity)copy.Identity!;
        foreach (var stale in mapped.FindAll(DashboardPrincipal.RoleClaim).ToList())
        {
            mapped.RemoveClaim(stale);
        }

        if (role is { } granted)
        {
            mapped.AddClaim(new Claim(DashboardPrincipal.RoleClaim, granted.ToString()));
        }

        return Task.FromResult(copy);
    }
}
