using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Api;

/// <summary>What every API endpoint may answer besides its own results, for the OpenAPI document.</summary>
public static class ApiConventions
{
    /// <summary>
    /// 400 (a query or body the endpoint cannot take), 401 (no valid credentials), 403 (the role does not allow it, or a
    /// cross-site request), 429 (too many wrong API keys from the client's address), and for endpoints with a body 413
    /// (over 64 KB) and 415 (not JSON): all ProblemDetails.
    /// </summary>
    public static TBuilder WithApiProblems<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.ProducesProblem(StatusCodes.Status400BadRequest);
        builder.ProducesProblem(StatusCodes.Status401Unauthorized);
        builder.ProducesProblem(StatusCodes.Status403Forbidden);
        builder.ProducesProblem(StatusCodes.Status429TooManyRequests);
        return builder;
    }

    /// <summary>An endpoint that takes a JSON body: 413 and 415 too.</summary>
    public static RouteHandlerBuilder WithBodyProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>
    /// An endpoint whose change is written to the results database: while the database cannot take writes it answers
    /// 503 "Results are not being stored", as Run now does, before trying (a write that fails anyway is answered the same
    /// by <see cref="Hosting.StoreUnavailableExceptionHandler"/>).
    /// </summary>
    public static RouteHandlerBuilder WithStoreWrites(this RouteHandlerBuilder builder) => builder
        .AddEndpointFilter(async (context, next) => context.HttpContext.RequestServices.GetRequiredService<IStore>().Health.Healthy
            ? await next(context)
            : ProbesApi.StoreUnavailable())
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
