using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Components.Controls;

namespace Webordinary.Dashboard.Components.Dialogs;

/// <summary>An ad hoc maintenance window ("for 1 h", with a reason) over everything, a component or a probe.</summary>
public sealed partial class MaintenanceDialog
{
    private const string Everything = "all";
    private const int MaxReason = MaintenanceWindows.MaxReasonLength;

    private static readonly (int Minutes, string Label)[] Durations = [(30, "30 min"), (60, "1 h"), (120, "2 h"), (240, "4 h"), (480, "8 h"), (1440, "1 day")];

    private string? _reason;
    private string _scope = Everything;
    private int _minutes = 60;
    private string? _error;
    private bool _busy;

    [CascadingParameter]
    public required IMudDialogInstance Dialog { get; set; }

    [Parameter]
    public IReadOnlyList<string> ProbeIds { get; set; } = [];

    [Inject]
    public required CurrentUser User { get; init; }

    [Inject]
    public required IPlatformSignals Signals { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required BrowserTimeProvider BrowserTime { get; init; }

    private async Task SubmitAsync()
    {
        _busy = true;
        _error = null;
        try
        {
            var (probes, components) = _scope switch
            {
                var s when s.StartsWith("probe:", StringComparison.Ordinal) => (new[] { s["probe:".Length..] }, Array.Empty<string>()),
                var s when s.StartsWith("component:", StringComparison.Ordinal) => ([], new[] { s["component:".Length..] }),
                _ => (Array.Empty<string>(), Array.Empty<string>()),
            };
            var request = new MaintenanceRequest(_reason, TimeSpan.FromMinutes(_minutes), null, null, probes, components);
            var outcome = await Signals.AddWindowAsync(await User.GetAsync(), request);
            if (outcome.Denied is { } denied)
            {
                _error = $"{denied}: your role does not allow maintenance windows.";
                return;
            }

            var result = outcome.Value!;
            if (result.Window is { } window)
            {
                Snackbar.Add(window.EndsAt is { } endsAt ? $"In maintenance until {BrowserTime.Format(endsAt, "HH:mm")}: {window.Reason}." : $"In maintenance: {window.Reason}.", Severity.Info);
                Dialog.Close(DialogResult.Ok(window));
                return;
            }

            _error = result.Error;
        }
        finally
        {
            _busy = false;
        }
    }

    private void Cancel() => Dialog.Cancel();
}
