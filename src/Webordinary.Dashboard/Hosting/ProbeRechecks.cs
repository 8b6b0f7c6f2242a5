using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Hosting;

/// <summary>Runs probes again at once because something they need changed (a fault, the service parked or warmed).</summary>
internal static class ProbeRechecks
{
    /// <summary>Asks each probe's re-run; one that cannot be asked is logged, not thrown (it still runs at its interval).</summary>
    public static async Task RunNowAsync(IProbeTriggers triggers, IReadOnlyList<string> probes, ILogger logger, string cause)
    {
        foreach (var probe in probes)
        {
            try
            {
                await triggers.RecheckAsync(probe, TimeSpan.Zero, CancellationToken.None);
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Re-running {ProbeId} after {Cause} failed", probe, cause);
            }
        }
    }
}
