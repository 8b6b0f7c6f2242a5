using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>The scale audit log, newest first, refreshed whenever the services are read again.</summary>
public sealed partial class Audit : IDisposable
{
    private IReadOnlyList<ScaleAuditEntry> _entries = [];
    private IDisposable? _subscription;
    private string _rolloutsSeen = "";

    [Inject]
    public required ScaleAuditStore Store { get; init; }

    [Inject]
    public required ServiceStatusFeed ServiceFeed { get; init; }

    protected override async Task OnInitializedAsync()
    {
        // Entries are added and completed when a rollout starts or ends: read the log again only then, not on every poll.
        _subscription = ServiceFeed.Subscribe(snapshot =>
        {
            var rollouts = string.Join(",", snapshot.Services.Select(s => s.Rollout?.AuditId));
            if (Interlocked.Exchange(ref _rolloutsSeen, rollouts) != rollouts)
            {
                _ = InvokeAsync(async () =>
                {
                    _entries = await Store.ListAsync(200, null, CancellationToken.None);
                    StateHasChanged();
                });
            }
        });
        _entries = await Store.ListAsync(200, null, CancellationToken.None);
    }

    private static Color ColorOf(ScaleOutcome outcome) => outcome switch
    {
        ScaleOutcome.Completed => Color.Success,
        ScaleOutcome.InProgress => Color.Info,
        ScaleOutcome.Failed or ScaleOutcome.TimedOut => Color.Error,
        ScaleOutcome.Refused or ScaleOutcome.Interrupted => Color.Warning,
        _ => Color.Default,
    };

    public void Dispose() => _subscription?.Dispose();
}
