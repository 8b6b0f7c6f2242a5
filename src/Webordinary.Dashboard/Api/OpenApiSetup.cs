using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Api;

/// <summary>
/// The API's machine-readable description at <c>/openapi/v1.json</c> (every endpoint under <c>/api</c>, generated from
/// the endpoints themselves, typed requests and responses, ProblemDetails for errors) and a rendered reference at
/// <c>/api/docs</c> (Scalar, served by the dashboard itself under its Content-Security-Policy).
/// </summary>
public static class OpenApiSetup
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/docs";

    public static IServiceCollection AddDashboardOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        // Only the API: pages, hubs, health and the sandbox's simulated ALB are not part of it.
        options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Webordinary Dashboard API",
                Version = "v1",
                Description = "Probes, runs, incidents, uptime, services and scaling, schedules, the audit log and API keys. " +
                    "Authenticate with an API key (Authorization: Bearer <key>) or the browser's sign-in. GETs need the Viewer role; " +
                    "runs and schedules Operator; scaling, sandbox faults and API keys Admin. Errors are application/problem+json.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key made on the API keys page or named in Auth:ApiKeys.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] }];
            return Task.CompletedTask;
        });
    });

    public static WebApplication MapDashboardOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath);
        app.MapScalarApiReference(ReferencePath, (options, context) => options
            .WithTitle("Webordinary Dashboard API")
            .WithOpenApiRoutePattern(DocumentPath)
            // The page's scripts carry this answer's CSP nonce; its fonts are the browser's own (no font CDN).
            .WithNonce(SecurityHeaders.NonceOf(context))
            .DisableDefaultFonts());
        return app;
    }
}
