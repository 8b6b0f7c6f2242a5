using MudBlazor;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Components.Controls;

/// <summary>The snackbar that answers a Run-now click, the same on every page.</summary>
public static class RunRequestFeedback
{
    public static void Show(ISnackbar snackbar, Security.ActionOutcome<RunRequestResult> outcome)
    {
        if (outcome.Denied is { } denied)
        {
            snackbar.Add($"{denied}: your role does not allow running probes.", Severity.Error);
            return;
        }

        var result = outcome.Value!;
        var (message, severity) = result.Status switch
        {
            RunRequestStatus.Accepted => ($"Running {result.ProbeId}…", Severity.Info),
            RunRequestStatus.CoolingDown => ($"{result.ProbeId} ran moments ago; try again in {Math.Ceiling(result.RetryAfter?.TotalSeconds ?? 1):0} s.", Severity.Warning),
            RunRequestStatus.Disabled => ($"{result.ProbeId} is disabled in configuration.", Severity.Warning),
            RunRequestStatus.StoreUnavailable => ("Results are not being stored right now, so nothing is run by hand: see the banner.", Severity.Error),
            _ => ($"No probe {result.ProbeId}.", Severity.Error),
        };
        snackbar.Add(message, severity);
    }
}
