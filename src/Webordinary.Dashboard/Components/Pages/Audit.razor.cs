using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>The audit log, newest first, filterable by actor and action; read again whenever an entry is written or completed.</summary>
public sealed partial class Audit : IDisposable
{
    private IReadOnlyList<AuditEntry> _entries = [];
    private string? _actor;
    private string? _action;

    [Inject]
    public required AuditLog Log { get; init; }

    protected override async Task OnInitializedAsync()
    {
        Log.Changed += OnChanged;
        await ReadAsync();
    }

    private void OnChanged() => _ = InvokeAsync(async () =>
    {
        await ReadAsync();
        StateHasChanged();
    });

    private async Task FilterAsync(string? actor, string? action)
    {
        _actor = string.IsNullOrWhiteSpace(actor) ? null : actor.Trim();
        _action = action;
        await ReadAsync();
    }

    private async Task ReadAsync() => _entries = await Log.ListAsync(
        new AuditQuery(200, _actor, _action is null ? null : Enum.Parse<AuditAction>(_action)), CancellationToken.None);

    private static Color ColorOf(string outcome) => outcome switch
    {
        nameof(ScaleOutcome.Completed) or AuditOutcomes.Done => Color.Success,
        nameof(ScaleOutcome.InProgress) => Color.Info,
        nameof(ScaleOutcome.Failed) or nameof(ScaleOutcome.TimedOut) or AuditOutcomes.Denied => Color.Error,
        nameof(ScaleOutcome.Refused) or nameof(ScaleOutcome.Interrupted) => Color.Warning,
        _ => Color.Default,
    };

    public void Dispose() => Log.Changed -= OnChanged;
}
