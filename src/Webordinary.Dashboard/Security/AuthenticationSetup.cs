using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Hosting;

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

    /// <summary>Paths that programs use: credentials missing there are a 401, not a redirect to a sign-in page.</summary>
    public static bool IsProgrammatic(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || CrossOriginGuard.HubPaths.Any(path => request.Path.StartsWithSegments(path))
        || ApiKeyAuthenticationHandler.HasBearer(request);

    public static AuthMode ModeOf(IConfiguration configuration) =>
        Enum.TryParse<AuthMode>(configuration[$"{AuthOptions.SectionName}:{nameof(AuthOptions.Mode)}"], ignoreCase: true, out var mode) ? mode : AuthMode.None;

    public static WebApplicationBuilder AddDashboardAuthentication(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyStore>();
        services.AddHostedService<ApiKeySetup>();
        services.AddSingleton<AlbPublicKeys>();
        services.AddHttpClient(AlbPublicKeys.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddTransient<IClaimsTransformation, RoleClaimsTransformation>();
        services.AddAntiforgery(o => o.HeaderName = AmbientCredentialGuard.HeaderName);

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
                o.ForwardDefaultSelector = context => ApiKeyAuthenticationHandler.HasBearer(context.Request) ? ApiKeyAuthenticationHandler.SchemeName : modeScheme;
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
                AddOidc(authentication, builder.Configuration.GetSection($"{AuthOptions.SectionName}:Oidc").Get<OidcSettings>() ?? new OidcSettings());
                break;
            case AuthMode.AlbOidc:
                authentication.AddScheme<AuthenticationSchemeOptions, AlbOidcAuthenticationHandler>(AlbOidcAuthenticationHandler.SchemeName, null);
                break;
            default:
                authentication.AddScheme<AuthenticationSchemeOptions, LocalAuthenticationHandler>(LocalAuthenticationHandler.SchemeName, null);
                break;
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

    private static void AddOidc(AuthenticationBuilder authentication, OidcSettings settings)
    {
        authentication.AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
        {
            o.Cookie.Name = "webordinary.session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
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
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
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
            o.Events.OnTokenValidated = context =>
            {
                if (context.Principal?.Identity is System.Security.Claims.ClaimsIdentity identity)
                {
                    identity.AddClaim(new System.Security.Claims.Claim(DashboardPrincipal.ViaClaim, "cookie"));
                }

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
            if (!await antiforgery.IsRequestValidAsync(context))
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
        auth.MapGet("/denied", (HttpContext context) => Results.Content(
            $"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>No access · Webordinary Dashboard</title></head>
            <body><main><h1>No access</h1><p>You are signed in as {System.Net.WebUtility.HtmlEncode(DashboardPrincipal.ActorOf(context.User).Name)}, but your groups give you no role on this dashboard. Ask an admin to add one of your groups to Auth:Roles.</p>
            </main></body></html>
            """, "text/html", statusCode: StatusCodes.Status403Forbidden));
        return endpoints;
    }

    private static string LocalOnly(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/";

    private sealed class ApiKeySetup(ApiKeyStore keys) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => keys.InitializeAsync(cancellationToken);

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
