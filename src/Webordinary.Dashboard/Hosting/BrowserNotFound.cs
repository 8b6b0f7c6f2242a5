namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// A 404 without a body, asked for by a browser (a GET that accepts text/html, outside /api): answered with the
/// dashboard's own Not found page, in the layout, with a title and the page language, instead of problem+json. Scripts
/// and the API keep their ProblemDetails (the status code pages further out).
/// </summary>
public static class BrowserNotFound
{
    public const string PagePath = "/not-found";

    public static bool Applies(HttpContext context) =>
        (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && !context.Request.Path.StartsWithSegments("/api")
        && context.Request.Headers.Accept.Any(accept => accept?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);

    public static IApplicationBuilder UseBrowserNotFoundPage(this IApplicationBuilder app) =>
        app.UseWhen(Applies, browser => browser.UseStatusCodePagesWithReExecute(PagePath, createScopeForStatusCodePages: true));
}
