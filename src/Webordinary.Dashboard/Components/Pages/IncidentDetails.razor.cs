using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Incidents;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>
/// One incident: its summary, its probes with their state now, its timeline and notes; acknowledging it and writing
/// notes (Operators, through <see cref="IncidentActions"/>). Read again when one of its probes completes a run, a message
/// is queued or tried, or an action is audited (an acknowledgement or a note from another tab), at most every
/// <see cref="MinRenderInterval"/>.
/// </summary>
public sealed partial class IncidentDetails : IDisposable
{
    private static readonly TimeSpan MinRenderInterval = TimeSpan.FromSeconds(1);

    /// <summary>What an action says while the store takes no writes (the API answers 503 then).</summary>
    internal const string StoreRefusesWrites = "The store is not taking writes right now, so nothing is changed: try again when it is back.";

    private IncidentView? _view;
    private IDisposable? _subscription;
    private IDisposable? _centerChanges;
    private IDisposable? _auditSubscription;
    private int _refreshQueued;
    private string? _denial;
    private string _actorId = "";
    private bool _busy;
    private string? _noteText;
    private string? _editing;
    private string? _editText;

    [Parameter]
    public string IncidentId { get; set; } = "";

    [Inject]
    public required IncidentReader Reader { get; init; }

    [Inject]
    public required ProbeStatusFeed Feed { get; init; }

    [Inject]
    public required NotificationCenter Center { get; init; }

    [Inject]
    public required IJSRuntime Js { get; init; }

    [Inject]
    public required IncidentActions Actions { get; init; }

    [Inject]
    public required AuditLog Audit { get; init; }

    [Inject]
    public required CurrentUser User { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required IStore Store { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    protected override void OnInitialized()
    {
        // Subscribed before the first await: a circuit closed while it waits is disposed before it goes on.
        _subscription = Feed.Subscribe(e =>
        {
            if (e is RunCompletedEvent { Run.ProbeId: var probeId } && _view is { } view && view.Probes.Any(p => p.ProbeId == probeId))
            {
                QueueRefresh();
            }
        });
        _centerChanges = Center.Subscribe(QueueRefresh);
        // Acknowledgements, notes and actions taken are audited, on whichever instance: the timeline reads them again.
        _auditSubscription = Audit.Subscribe(() =>
        {
            QueueRefresh();
            return Task.CompletedTask;
        }, TimeSpan.FromMilliseconds(500));
    }

    protected override async Task OnParametersSetAsync()
    {
        var user = await User.GetAsync();
        _denial = DashboardPrincipal.Denial(user, IncidentActions.IncidentRole);
        _actorId = DashboardPrincipal.ActorOf(user).Id;
        await ReadAsync();
    }

    private void QueueRefresh()
    {
        if (Interlocked.Exchange(ref _refreshQueued, 1) == 0)
        {
            _ = InvokeAsync(async () =>
            {
                await Task.Delay(MinRenderInterval);
                Volatile.Write(ref _refreshQueued, 0);
                await ReadAsync();
                StateHasChanged();
            });
        }
    }

    private async Task ReadAsync() => _view = await Reader.ReadAsync(IncidentId, CancellationToken.None);

    private async Task CopyMarkdownAsync()
    {
        if (_view is null)
        {
            return;
        }

        try
        {
            await Js.InvokeVoidAsync("navigator.clipboard.writeText", IncidentPostmortem.Write(_view));
            Snackbar.Add("Postmortem copied as Markdown.", Severity.Success);
        }
        catch (JSException)
        {
            Snackbar.Add("The browser did not allow copying: use Download postmortem.", Severity.Warning);
        }
    }

    private bool CanEdit(IncidentNote note) =>
        _denial is null && note.AuthorId == _actorId && Time.GetUtcNow() - note.CreatedAt <= IncidentActions.NoteEditWindow;

    private async Task ToggleAcknowledgedAsync()
    {
        if (_view is not { } view)
        {
            return;
        }

        var acknowledge = view.Acknowledged is null;
        await ActAsync(async user =>
        {
            var outcome = await Actions.AcknowledgeAsync(user, view.Id, acknowledge, CancellationToken.None);
            return outcome.Denied ?? outcome.Value.Update switch
            {
                IncidentUpdate.Done or IncidentUpdate.Unchanged => null,
                IncidentUpdate.Closed => "The incident is resolved.",
                _ => "No such incident.",
            };
        }, acknowledge ? "Acknowledged: the reminders stop." : "Un-acknowledged: the reminders resume.");
    }

    private async Task AddNoteAsync()
    {
        var text = _noteText;
        if (await ActAsync(async user => Problem(await Actions.AddNoteAsync(user, IncidentId, text, CancellationToken.None)), "Note added."))
        {
            _noteText = null;
        }
    }

    private void StartEdit(IncidentNote note)
    {
        _editing = note.Id;
        _editText = note.Text;
    }

    private async Task SaveEditAsync(IncidentNote note)
    {
        var text = _editText;
        if (await ActAsync(async user => Problem(await Actions.EditNoteAsync(user, IncidentId, note.Id, text, CancellationToken.None)), "Note saved."))
        {
            _editing = null;
        }
    }

    private static string? Problem(ActionOutcome<NoteOutcome> outcome) => outcome.Denied ?? outcome.Invalid ?? outcome.Value!.Result switch
    {
        NoteResult.Written => null,
        NoteResult.NotAuthor => "Only its author may edit a note.",
        NoteResult.TooLate => $"A note can be edited for {IncidentActions.NoteEditWindow.TotalMinutes:0} minutes after it is written.",
        NoteResult.TooMany => $"The incident has {IncidentActions.MaxNotes} notes already.",
        _ => "No such incident or note.",
    };

    /// <summary>Runs an action as this circuit's user, says how it went, and reads the incident again.</summary>
    /// <returns>Whether it was done.</returns>
    private async Task<bool> ActAsync(Func<System.Security.Claims.ClaimsPrincipal, Task<string?>> action, string done)
    {
        if (!Store.Health.Healthy)
        {
            // As the API's 503: a write the store cannot take now is refused, not left to fail half-way.
            Snackbar.Add(StoreRefusesWrites, Severity.Error);
            return false;
        }

        _busy = true;
        try
        {
            var problem = await action(await User.GetAsync());
            Snackbar.Add(problem ?? done, problem is null ? Severity.Success : Severity.Warning);
            await ReadAsync();
            return problem is null;
        }
        finally
        {
            _busy = false;
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _centerChanges?.Dispose();
        _auditSubscription?.Dispose();
    }
}
