using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>
/// The audit log, newest first, filterable by actor and action (kept in the URL: a filtered log can be linked and
/// survives a reload); read again whenever an entry is written or completed.
/// </summary>
public sealed partial class Audit : IDisposable
{
    /// <summary>As long as the actor field takes.</summary>
    public const int MaxActorLength = 200;

    /// <summary>A burst of writes (a rollout's steps, a run-all) reads the log again once.</summary>
    private static readonly TimeSpan ReadAgainAtMost = TimeSpan.FromMilliseconds(500);

    private IReadOnlyList<AuditEntry> _entries = [];
    private IDisposable? _subscription;
    private string? _actor;
    private string? _action;

    [Inject]
    public required AuditLog Log { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [SupplyParameterFromQuery(Name = "actor")]
    public string? ActorQuery { get; set; }

    [SupplyParameterFromQuery(Name = "action")]
    public string? ActionQuery { get; set; }

    protected override void OnInitialized() => _subscription = Log.Subscribe(OnChangedAsync, ReadAgainAtMost);

    /// <summary>The filter from the URL; what is not an actor or an action (too long, unknown, a number) is no filter.</summary>
    protected override async Task OnParametersSetAsync()
    {
        var actor = ActorQuery?.Trim();
        _actor = string.IsNullOrEmpty(actor) ? null : actor.Length > MaxActorLength ? actor[..MaxActorLength] : actor;
        // By name only: Enum.TryParse would also take numbers and lists.
        _action = Enum.GetNames<AuditAction>().FirstOrDefault(name => name == ActionQuery);
        await ReadAsync();
    }

    private Task OnChangedAsync() => InvokeAsync(async () =>
    {
        await ReadAsync();
        StateHasChanged();
    });

    /// <summary>The filter into the URL, replacing the entry (typing does not fill the history); it comes back as parameters.</summary>
    private void Filter(string? actor, string? action) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["actor"] = string.IsNullOrWhiteSpace(actor) ? null : actor.Trim(),
            ["action"] = action,
        }), replace: true);

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

    public void Dispose() => _subscription?.Dispose();
}
