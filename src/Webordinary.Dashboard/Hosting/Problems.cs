namespace Webordinary.Dashboard.Hosting;

/// <summary>ProblemDetails answers written by middleware, the same shape as the endpoints' own.</summary>
public static class Problems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
}
