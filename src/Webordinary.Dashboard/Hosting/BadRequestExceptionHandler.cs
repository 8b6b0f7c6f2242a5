using Microsoft.AspNetCore.Diagnostics;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// A request the framework could not read — a body that is not JSON or not the expected shape (400), the wrong
/// content type (415), too large (413), too slow (408) — is answered as ProblemDetails with the framework's reason,
/// never as a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest || httpContext.Response.HasStarted)
        {
            return false;
        }

        var detail = badRequest.InnerException is { } inner ? $"{badRequest.Message} {inner.Message}" : badRequest.Message;
        await Problems.WriteAsync(httpContext, badRequest.StatusCode, TitleOf(badRequest.StatusCode), detail);
        return true;
    }

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status408RequestTimeout => "Request timed out",
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        _ => "Bad request",
    };
}
