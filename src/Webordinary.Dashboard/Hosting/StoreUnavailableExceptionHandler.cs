using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Webordinary.Dashboard.Api;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// A change that could not be written because the results database cannot take writes (disk full, read-only, locked,
/// damaged) is answered as Run now answers then: 503 "Results are not being stored", not a 500. The endpoints that
/// write ask the store's health first; this catches a write that fails before the health has turned.
/// </summary>
internal sealed class StoreUnavailableExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN: the file or its disk, not the statement.
        if (exception is not SqliteException { SqliteErrorCode: 5 or 6 or 7 or 8 or 10 or 11 or 13 or 14 } || httpContext.Response.HasStarted)
        {
            return false;
        }

        await ProbesApi.StoreUnavailable().ExecuteAsync(httpContext);
        return true;
    }
}
