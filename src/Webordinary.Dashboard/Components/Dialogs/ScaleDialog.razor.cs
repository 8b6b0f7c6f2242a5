using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Components.Dialogs;

/// <summary>Set a desired count within the guardrails; parking (0) asks for the service name to be typed.</summary>
public sealed partial class ScaleDialog
{
    private int _desired;
    private string? _confirmation;
    private string? _error;
    private bool _busy;

    [CascadingParameter]
    public required IMudDialogInstance Dialog { get; set; }

    [Parameter, EditorRequired]
    public string ServiceName { get; set; } = "";

    [Parameter]
    public int CurrentDesiredCount { get; set; }

    [Parameter]
    public int MaxDesiredCount { get; set; }

    [Parameter]
    public IReadOnlyList<string> DependentProbes { get; set; } = [];

    [Inject]
    public required PlatformActions Actions { get; init; }

    [Inject]
    public required CurrentUser User { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    /// <summary>Why the typed count cannot be used (out of the service's range), or null.</summary>
    private string? RangeError => _desired switch
    {
        < 0 => "A desired count cannot be negative.",
        var n when n > MaxDesiredCount => $"{n} is more than this service's maximum of {MaxDesiredCount} (Scaling:Services:{ServiceName}:MaxDesiredCount).",
        _ => null,
    };

    private bool CanSubmit => !_busy && RangeError is null && _desired != CurrentDesiredCount
        && (_desired != 0 || _confirmation == ServiceName);

    protected override void OnInitialized() => _desired = CurrentDesiredCount == 0 ? Math.Min(1, MaxDesiredCount) : CurrentDesiredCount;

    private async Task SubmitAsync()
    {
        _busy = true;
        _error = null;
        try
        {
            var outcome = await Actions.ScaleAsync(await User.GetAsync(), ServiceName, _desired, CancellationToken.None);
            if (outcome.Denied is { } denied)
            {
                _error = $"{denied}: your role does not allow scaling.";
                return;
            }

            var result = outcome.Value!;
            if (result.Status is ScaleRequestStatus.Accepted or ScaleRequestStatus.NoChange)
            {
                Snackbar.Add(result.Message, Severity.Info);
                Dialog.Close(DialogResult.Ok(result));
                return;
            }

            _error = result.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private void Cancel() => Dialog.Cancel();
}
