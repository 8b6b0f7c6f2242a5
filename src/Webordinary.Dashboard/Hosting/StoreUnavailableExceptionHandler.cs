using Microsoft.AspNetCore.Diagnostics;
using Webordinary.Dashboard.Api;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// A change that could not be written because the results database cannot take writes (disk full, read-only, locked,
/// damaged) is answered as Run now answers then: 503 "Results are not being stored", not a 500. The endpoints that
/// write ask the store's health first; this catches a write that fails before the health has turned.
/// </summary>
internal sealed class StoreUnavailableExceptionHandler(Storage.IStore store) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!store.IsUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        await ProbesApi.StoreUnavailable().ExecuteAsync(httpContext);
        return true;
    }
}
