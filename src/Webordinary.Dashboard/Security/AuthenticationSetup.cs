using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// Sign-in (<c>Auth:Mode</c>), API keys in every mode, the three roles as policies, and the endpoints of the sign-in.
/// One default scheme picks the handler per request: a bearer key → <see cref="ApiKeyAuthenticationHandler"/>; else
/// the mode's (local user, cookie from the OpenID provider, the ALB's header). An API or hub request without valid
/// credentials is answered 401, never redirected; a page is sent to the provider's sign-in (Oidc mode).
/// </summary>
public static class AuthenticationSetup
{
    public const string DashboardScheme = "Dashboard";
    private const string ChallengeScheme = "DashboardChallenge";
    private const string ForbidScheme = "DashboardForbid";
    public const string LoginPath = "/auth/login";
    public const string LogoutPath = "/auth/logout";
    public const string DeniedPath = "/auth/denied";
    public const string FailedPath = "/auth/failed";

    /// <summary>How long a sign-in lasts without a request (Oidc mode; sliding).</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    /// <summary>Paths that programs use: credentials missing there are a 401, not a redirect to a sign-in page.</summary>
    public static bool IsProgrammatic(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || CrossOriginGuard.HubPaths.Any(path => request.Path.StartsWithSegments(path))
        || ApiKeyAuthenticationHandler.HasAuthorization(request);

    /// <summary>
    /// The configured mode, by its exact name. Anything else — a number, a list like "Oidc,AlbOidc", a typo — is None
    /// here (loopback only, the safe side) and stops the start in <see cref="AuthOptionsValidator"/>.
    /// </summary>
    public static AuthMode ModeOf(IConfiguration configuration) =>
        Enum.GetValues<AuthMode>().FirstOrDefault(m => string.Equals(m.ToString(), configuration[$"{AuthOptions.SectionName}:{nameof(AuthOptions.Mode)}"],
            StringComparison.OrdinalIgnoreCase));

    public static WebApplicationBuilder AddDashboardAuthentication(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyStore>();
        services.AddChangeKind<ApiKeyCreated>("api-key-created").AddChangeKind<ApiKeyRevoked>("api-key-revoked");
        services.AddSingleton<FailedKeyAttempts>();
        // A wrong key is logged by FailedKeyAttempts, once a client a minute; the handler's own lines (not authenticated,
        // challenged: several a request) would let a script fill the log.
        builder.Logging.AddFilter(typeof(ApiKeyAuthenticationHandler).FullName, LogLevel.Warning);
        services.AddHostedService<ApiKeySetup>();
        services.AddSingleton<AlbPublicKeys>();
        services.AddHttpClient(AlbPublicKeys.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddTransient<IClaimsTransformation, RoleClaimsTransformation>();
        var publicUrl = builder.Configuration[$"{Probes.Configuration.DashboardOptions.SectionName}:{nameof(Probes.Configuration.DashboardOptions.PublicUrl)}"];
        services.AddAntiforgery(o =>
        {
            o.HeaderName = AmbientCredentialGuard.HeaderName;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        var mode = ModeOf(builder.Configuration);
        var modeScheme = mode switch
        {
            AuthMode.Oidc => CookieAuthenticationDefaults.AuthenticationScheme,
            AuthMode.AlbOidc => AlbOidcAuthenticationHandler.SchemeName,
            _ => LocalAuthenticationHandler.SchemeName,
        };
        var authentication = services.AddAuthentication(DashboardScheme)
            .AddPolicyScheme(DashboardScheme, "Dashboard", o =>
            {
                o.ForwardDefaultSelector = context => ApiKeyAuthenticationHandler.HasAuthorization(context.Request) ? ApiKeyAuthenticationHandler.SchemeName : modeScheme;
                o.ForwardChallenge = ChallengeScheme;
                o.ForwardForbid = ForbidScheme;
            })
            // Programs get 401; pages the mode's challenge (the provider's sign-in for Oidc).
            .AddPolicyScheme(ChallengeScheme, "Dashboard challenge", o => o.ForwardDefaultSelector = context =>
                IsProgrammatic(context.Request) || mode != AuthMode.Oidc ? ApiKeyAuthenticationHandler.SchemeName : OpenIdConnectDefaults.AuthenticationScheme)
            // Programs get a 403 ProblemDetails; pages in Oidc mode the cookie's page for a person without a role.
            .AddPolicyScheme(ForbidScheme, "Dashboard forbid", o => o.ForwardDefaultSelector = context =>
                IsProgrammatic(context.Request) || mode != AuthMode.Oidc ? ApiKeyAuthenticationHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        switch (mode)
        {
            case AuthMode.Oidc:
                AddOidc(authentication, builder.Configuration.GetSection($"{AuthOptions.SectionName}:Oidc").Get<OidcSettings>() ?? new OidcSettings(), publicUrl);
                services.AddSingleton<SessionTickets>();
                services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, SessionTicketsSetup>();
                services.AddExceptionHandler<IdentityProviderExceptionHandler>();
                break;
            case AuthMode.AlbOidc:
                authentication.AddScheme<AuthenticationSchemeOptions, AlbOidcAuthenticationHandler>(AlbOidcAuthenticationHandler.SchemeName, null);
                break;
            case AuthMode.None:
                authentication.AddScheme<AuthenticationSchemeOptions, LocalAuthenticationHandler>(LocalAuthenticationHandler.SchemeName, null);
                break;
            default:
                throw new InvalidOperationException($"Unknown {AuthOptions.SectionName}:Mode {mode}.");
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(nameof(DashboardRole.Viewer), RoleAtLeast(DashboardRole.Viewer))
            .AddPolicy(nameof(DashboardRole.Operator), RoleAtLeast(DashboardRole.Operator))
            .AddPolicy(nameof(DashboardRole.Admin), RoleAtLeast(DashboardRole.Admin))
            // Everything not marked otherwise (pages, API, hubs, the circuit) needs a signed-in user with a role.
            .SetFallbackPolicy(RoleAtLeast(DashboardRole.Viewer));
        services.AddCascadingAuthenticationState();
        return builder;
    }

    private static AuthorizationPolicy RoleAtLeast(DashboardRole role) => new AuthorizationPolicyBuilder(DashboardScheme)
        .RequireAuthenticatedUser()
        .RequireAssertion(context => DashboardPrincipal.Denial(context.User, role) is null)
        .Build();

    private static void AddOidc(AuthenticationBuilder authentication, OidcSettings settings, string? publicUrl)
    {
        // The provider sends people back to the public address, whatever Host a request named. The cookies are Secure on
        // https, which behind a TLS-terminating load balancer each request counts as (PublicScheme).
        const CookieSecurePolicy secure = CookieSecurePolicy.SameAsRequest;
        var publicBase = Uri.TryCreate(publicUrl, UriKind.Absolute, out var url) ? url.GetLeftPart(UriPartial.Authority) : null;
        authentication.AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
        {
            o.Cookie.Name = "webordinary.session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = secure;
            o.ExpireTimeSpan = SessionLifetime;
            o.SlidingExpiration = true;
            o.AccessDeniedPath = DeniedPath;
        });
        authentication.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, o =>
        {
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.Authority = settings.Authority;
            o.ClientId = settings.ClientId;
            o.ClientSecret = settings.ClientSecret;
            o.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            o.ResponseType = "code";
            o.UsePkce = true;
            // The code comes back on a top-level GET, so the correlation and nonce cookies can be SameSite=Lax (no
            // cross-site POST back from the provider needed) and work on plain HTTP too.
            o.ResponseMode = "query";
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = secure;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = secure;
            o.Scope.Clear();
            foreach (var scope in settings.Scopes)
            {
                o.Scope.Add(scope);
            }

            o.MapInboundClaims = false;
            o.GetClaimsFromUserInfoEndpoint = true;
            o.ClaimActions.MapJsonKey(settings.RolesClaim, settings.RolesClaim);
            o.ClaimActions.MapJsonKey(DashboardPrincipal.NameClaim, DashboardPrincipal.NameClaim);
            o.ClaimActions.MapJsonKey("email", "email");
            o.TokenValidationParameters.NameClaimType = DashboardPrincipal.NameClaim;
            o.SaveTokens = false;
            o.Events.OnRedirectToIdentityProvider = context =>
            {
                if (publicBase is not null)
                {
                    context.ProtocolMessage.RedirectUri = publicBase + o.CallbackPath;
                }

                return Task.CompletedTask;
            };
            o.Events.OnRedirectToIdentityProviderForSignOut = context =>
            {
                if (publicBase is not null)
                {
                    context.ProtocolMessage.PostLogoutRedirectUri = publicBase + o.SignedOutCallbackPath;
                }

                return Task.CompletedTask;
            };
            // The person is who the provider says, by the claims the dashboard uses — nothing else from the token, so a
            // provider's claim cannot pose as the dashboard's own (its role, how the person signed in).
            o.Events.OnTokenValidated = context =>
            {
                var user = context.Principal!;
                var subject = user.FindFirst(DashboardPrincipal.SubjectClaim)?.Value ?? "";
                var name = user.FindFirst(DashboardPrincipal.NameClaim)?.Value ?? user.FindFirst("email")?.Value
                    ?? user.FindFirst("preferred_username")?.Value ?? subject;
                var kept = user.Claims.Where(c => c.Type is "email" or "preferred_username" || c.Type == settings.RolesClaim)
                    .Select(c => new System.Security.Claims.Claim(c.Type, c.Value)).ToList();
                context.Principal = DashboardPrincipal.Create(user.Identity!.AuthenticationType!, subject, name, "cookie", role: null, kept);
                return Task.CompletedTask;
            };
            // A sign-in that comes back broken (cancelled at the provider, a stale or forged state) is a page, not a 500.
            o.Events.OnRemoteFailure = context =>
            {
                context.Response.Redirect(FailedPath);
                context.HandleResponse();
                return Task.CompletedTask;
            };
        });
    }

    /// <summary><c>/auth/login</c>, <c>/auth/logout</c> (POST, antiforgery) and the page for a signed-in person without a role.</summary>
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder endpoints, AuthMode mode)
    {
        var auth = endpoints.MapGroup("/auth").AllowAnonymous().ExcludeFromDescription();
        auth.MapGet("/login", (string? returnUrl) => mode == AuthMode.Oidc
            ? Results.Challenge(new AuthenticationProperties { RedirectUri = LocalOnly(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme])
            : Results.Redirect(LocalOnly(returnUrl)));
        auth.MapPost("/logout", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (!await IsValidFormAsync(context, antiforgery))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "The sign-out form's antiforgery token is missing or invalid.");
            }

            if (mode != AuthMode.Oidc)
            {
                return Results.Redirect("/");
            }

            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" },
                [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]);
        }).DisableAntiforgery();
        auth.MapGet("/failed", () => Results.Content(
            $"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed · Webordinary Dashboard</title></head>
            <body><main><h1>Sign-in failed</h1><p>The sign-in did not complete (it was cancelled at the identity provider, or took too long). <a href="{LoginPath}">Sign in again</a>.</p></main></body></html>
            """, "text/html", statusCode: StatusCodes.Status400BadRequest));
        auth.MapGet("/denied", (HttpContext context) => Results.Content(
            $"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>No access · Webordinary Dashboard</title></head>
            <body><main><h1>No access</h1><p>You are signed in as {System.Net.WebUtility.HtmlEncode(DashboardPrincipal.ActorOf(context.User).Name)}, but your groups give you no role on this dashboard. Ask an admin to add one of your groups to Auth:Roles.</p>
            </main></body></html>
            """, "text/html", statusCode: StatusCodes.Status403Forbidden));
        return endpoints;
    }

    /// <summary>A path on this dashboard, else "/": no other host (<c>//evil</c>, <c>/\evil</c>), no control or non-ASCII characters
    /// (browsers drop a tab from <c>/&#9;/evil</c> and go to <c>//evil</c>).</summary>
    internal static string LocalOnly(string? returnUrl) =>
        returnUrl is { Length: > 0 and <= 2048 } url && url[0] == '/' && (url.Length == 1 || url[1] is not ('/' or '\\'))
        && url.All(c => c is > ' ' and < (char)0x7F && c != '\\') ? url : "/";

    private static async Task<bool> IsValidFormAsync(HttpContext context, IAntiforgery antiforgery)
    {
        try
        {
            return await antiforgery.IsRequestValidAsync(context);
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or BadHttpRequestException or AntiforgeryValidationException)
        {
            return false;
        }
    }

    private sealed class ApiKeySetup(ApiKeyStore keys, StartupLoads loads) : IHostedService
    {
        // Until loaded (the store unreachable at start) no API key works: refused, never let in unchecked.
        public Task StartAsync(CancellationToken cancellationToken) => loads.LoadAsync("API keys", keys.InitializeAsync, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>
/// Browsers send cookies (ours in Oidc mode, the ALB's in AlbOidc mode) with every request, whichever page made it:
/// a change through the API by a cookie- or ALB-authenticated user must also carry the antiforgery token of a
/// dashboard page (header <c>X-CSRF-TOKEN</c>, from <c>&lt;meta name="csrf-token"&gt;</c>), else 403. API keys and
/// the local user are not ambient credentials and need none.
/// </summary>
public sealed class AmbientCredentialGuard(RequestDelegate next, IAntiforgery antiforgery)
{
    public const string HeaderName = "X-CSRF-TOKEN";

    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (context.Request.Path.StartsWithSegments("/api") && !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
            && DashboardPrincipal.ViaOf(context.User) is "cookie" or "alb" && !await antiforgery.IsRequestValidAsync(context))
        {
            await Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Antiforgery token required",
                $"A change made with the browser's sign-in must carry the {HeaderName} header of a dashboard page (its <meta name=\"csrf-token\">).");
            return;
        }

        await next(context);
    }
}

/// <summary>
/// The identity provider unreachable, or refusing the sign-in request (a pushed authorization request turned down):
/// 502 with the reason, not a 500.
/// </summary>
internal sealed class IdentityProviderExceptionHandler(ILogger<IdentityProviderExceptionHandler> logger) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var fromProvider = exception is OpenIdConnectProtocolException
            || (exception is HttpRequestException or InvalidOperationException
                && exception.TargetSite?.DeclaringType?.Namespace?.StartsWith("Microsoft.AspNetCore.Authentication.OpenIdConnect", StringComparison.Ordinal) == true);
        if (!fromProvider || httpContext.Response.HasStarted)
        {
            return false;
        }

        logger.LogWarning("The identity provider refused or did not answer: {Message}", exception.Message);
        await Problems.WriteAsync(httpContext, StatusCodes.Status502BadGateway, "Identity provider error",
            "The identity provider could not be reached or refused the sign-in request; try again, or ask an admin to check Auth:Oidc.");
        return true;
    }
}
