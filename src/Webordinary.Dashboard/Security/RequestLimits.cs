using Microsoft.AspNetCore.Http.Features;
using Webordinary.Dashboard.Hosting;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// An API request body is at most <see cref="MaxApiBodyBytes"/> (the sandbox's simulated Hermes: <see cref="MaxSandboxBodyBytes"/>):
/// a larger declared length is 413 at once, and a
/// chunked body is cut off there by Kestrel (413 too, through <see cref="BadRequestExceptionHandler"/>). A body
/// that stalls is ended by Kestrel's minimum data rate (408).
/// </summary>
public sealed class ApiBodyLimit(RequestDelegate next)
{
    public const long MaxApiBodyBytes = 64 * 1024;

    /// <summary>The sandbox's simulated Hermes takes small JSON (a session's id and state); it keeps what it is sent in memory.</summary>
    public const long MaxSandboxBodyBytes = 16 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        var limit = context.Request.Path.StartsWithSegments("/api") ? MaxApiBodyBytes
            : context.Request.Path.StartsWithSegments(Sandbox.HermesSimulator.AlbPathBase) ? MaxSandboxBodyBytes
            : (long?)null;
        if (limit is { } max)
        {
            if (context.Request.ContentLength > max)
            {
                await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                    $"A request body here may be at most {max / 1024} KB (got {context.Request.ContentLength} bytes).");
                return;
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = max;
            }
        }

        await next(context);
    }
}

/// <summary>HEAD is answered wherever GET is: routed as GET, with the body thrown away and the headers kept.</summary>
public sealed class HeadAsGet(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }

        var body = context.Response.Body;
        context.Request.Method = HttpMethods.Get;
        context.Response.Body = Stream.Null;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
            context.Request.Method = HttpMethods.Head;
        }
    }
}
