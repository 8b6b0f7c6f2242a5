using System.Diagnostics;

namespace Webordinary.Dashboard.Testing;

/// <summary>The real servers the tests start as processes of their own (moto, the OpenID provider, aiosmtpd).</summary>
internal static class ChildProcesses
{
    /// <summary>Kills the process and what it started, waits for it, and lets it go; one already gone is fine.</summary>
    public static async ValueTask StopAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}
