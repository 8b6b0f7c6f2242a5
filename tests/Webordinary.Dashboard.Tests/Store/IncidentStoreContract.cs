using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>An incident change and the outbox rows it causes are one unit of work: both stored, or neither.</summary>
public abstract class IncidentStoreContract : StoreContract
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    [Fact]
    public async Task An_incident_and_its_outbox_rows_are_stored_together()
    {
        var incident = new Incident("inc-1", "hermes", At, null, "run-1", "GET /health", "503", ["routing"]);

        await Get<IIncidentStore>().UpsertAsync(incident, CancellationToken.None, [Opened("inc-1:opened:ops", incident, "{}")]);

        var stored = Assert.Single(await Get<IIncidentStore>().ListAsync("routing", openOnly: true, 10, CancellationToken.None));
        Assert.Equal(incident with { AffectedProbes = null }, stored with { AffectedProbes = null });
        Assert.Equal(["routing"], stored.Affected);
        var entry = await Get<INotificationOutbox>().GetAsync("inc-1:opened:ops", CancellationToken.None);
        Assert.Equal(("inc-1", DeliveryState.Pending, "ops"), (entry!.IncidentId, entry.State, entry.Channel));
    }

    [Fact]
    public async Task An_outbox_row_that_cannot_be_written_rolls_back_its_incident_and_the_rows_before_it()
    {
        var incident = new Incident("inc-2", "ecs", At, null, "run-2", null, null);

        // The second row has no payload, which the outbox refuses: nothing of the change may remain.
        await Assert.ThrowsAnyAsync<Exception>(() => Get<IIncidentStore>().UpsertAsync(incident, CancellationToken.None,
            [Opened("inc-2:opened:ops", incident, "{}"), Opened("inc-2:opened:pager", incident, null)]));

        Assert.Empty(await Get<IIncidentStore>().ListAsync("ecs", openOnly: false, 10, CancellationToken.None));
        Assert.Null(await Get<INotificationOutbox>().GetAsync("inc-2:opened:ops", CancellationToken.None));
        Assert.False(await Get<IIncidentStore>().IsClosedAsync("inc-2", CancellationToken.None));
    }

    [Fact]
    public async Task A_closed_incident_is_seen_closed_by_a_restarted_process()
    {
        var open = new Incident("inc-3", "dynamo", At, null, "run-3", null, null);
        await Get<IIncidentStore>().UpsertAsync(open, CancellationToken.None);
        await Get<IIncidentStore>().UpsertAsync(open with { EndedAt = At.AddMinutes(5) }, CancellationToken.None);

        var restarted = (await OpenAsync()).GetRequiredService<IIncidentStore>();

        Assert.True(await restarted.IsClosedAsync("inc-3", CancellationToken.None));
        Assert.Empty(await restarted.ListAsync("dynamo", openOnly: true, 10, CancellationToken.None));
    }

    [Fact]
    public async Task An_acknowledgement_is_stored_with_its_message_once_survives_the_trackers_upserts_and_is_cleared_by_un_acknowledge()
    {
        var store = Get<IIncidentStore>();
        var incident = new Incident("inc-4", "hermes", At, null, "run-4", null, null);
        await store.UpsertAsync(incident, CancellationToken.None);
        var by = new IncidentAcknowledgement("u1", "Ann (cookie)", At.AddMinutes(2));

        var first = await store.AcknowledgeAsync("inc-4", by, CancellationToken.None, [Acknowledged("inc-4:1:acknowledged:ops", incident)]);
        var second = await store.AcknowledgeAsync("inc-4", by with { ActorId = "u2", Actor = "Bob" }, CancellationToken.None, [Acknowledged("inc-4:2:acknowledged:ops", incident)]);
        // The tracker's copy has no acknowledgement: its upsert (a probe joined) leaves the acknowledgement as it is.
        await store.UpsertAsync(incident with { AffectedProbes = ["routing"] }, CancellationToken.None);

        Assert.Equal((IncidentUpdate.Done, IncidentUpdate.Unchanged), (first, second));
        var stored = await store.GetAsync("inc-4", CancellationToken.None);
        Assert.Equal(by, stored!.Acknowledged);
        Assert.Equal(["routing"], stored.Affected);
        Assert.Equal(by, Assert.Single(await store.ListAsync("hermes", openOnly: true, 10, CancellationToken.None)).Acknowledged);
        Assert.NotNull(await Get<INotificationOutbox>().GetAsync("inc-4:1:acknowledged:ops", CancellationToken.None));
        Assert.Null(await Get<INotificationOutbox>().GetAsync("inc-4:2:acknowledged:ops", CancellationToken.None));

        Assert.Equal(IncidentUpdate.Done, await store.AcknowledgeAsync("inc-4", null, CancellationToken.None));
        Assert.Equal(IncidentUpdate.Unchanged, await store.AcknowledgeAsync("inc-4", null, CancellationToken.None));
        Assert.Null((await store.GetAsync("inc-4", CancellationToken.None))!.Acknowledged);
    }

    [Fact]
    public async Task A_resolved_or_unknown_incident_is_not_acknowledged_and_writes_no_message()
    {
        var store = Get<IIncidentStore>();
        var resolved = new Incident("inc-5", "ecs", At, At.AddMinutes(3), "run-5", null, null);
        await store.UpsertAsync(resolved, CancellationToken.None);
        var by = new IncidentAcknowledgement("u1", "Ann", At.AddMinutes(4));

        Assert.Equal(IncidentUpdate.Closed, await store.AcknowledgeAsync("inc-5", by, CancellationToken.None, [Acknowledged("inc-5:1:acknowledged:ops", resolved)]));
        Assert.Equal(IncidentUpdate.NotFound, await store.AcknowledgeAsync("inc-none", by, CancellationToken.None));
        Assert.Null((await store.GetAsync("inc-5", CancellationToken.None))!.Acknowledged);
        Assert.Null(await store.GetAsync("inc-none", CancellationToken.None));
        Assert.Null(await Get<INotificationOutbox>().GetAsync("inc-5:1:acknowledged:ops", CancellationToken.None));
    }

    [Fact]
    public async Task Notes_are_stored_oldest_first_edited_in_place_and_only_on_an_incident_that_exists()
    {
        var store = Get<IIncidentStore>();
        await store.UpsertAsync(new Incident("inc-6", "dynamo", At, null, "run-6", null, null), CancellationToken.None);
        var later = new IncidentNote("n2", "inc-6", "u2", "Bob", At.AddMinutes(5), null, "restarted the task\nwatching");
        var earlier = new IncidentNote("n1", "inc-6", "u1", "Ann", At.AddMinutes(1), null, "<b>looking</b>");

        Assert.Equal(IncidentUpdate.Done, await store.AddNoteAsync(later, CancellationToken.None));
        Assert.Equal(IncidentUpdate.Done, await store.AddNoteAsync(earlier, CancellationToken.None));
        Assert.Equal(IncidentUpdate.NotFound, await store.AddNoteAsync(earlier with { Id = "n3", IncidentId = "inc-none" }, CancellationToken.None));
        Assert.Equal(IncidentUpdate.Done, await store.EditNoteAsync("inc-6", "n1", "looking into it", At.AddMinutes(2), CancellationToken.None));
        Assert.Equal(IncidentUpdate.NotFound, await store.EditNoteAsync("inc-other", "n1", "not this one's", At.AddMinutes(2), CancellationToken.None));

        var notes = await store.ListNotesAsync("inc-6", CancellationToken.None);
        Assert.Equal([earlier with { Text = "looking into it", EditedAt = At.AddMinutes(2) }, later], notes);
        Assert.Empty(await store.ListNotesAsync("inc-none", CancellationToken.None));
    }

    private static OutboxWrite Acknowledged(string key, Incident incident) =>
        new(OutboxWriteKind.Queue, key, "ops", NotificationEvent.Acknowledged, incident.Id, incident.ProbeId, At, null, "{}");

    private static OutboxWrite Opened(string key, Incident incident, string? payload) =>
        new(OutboxWriteKind.Queue, key, key.Split(':')[^1], NotificationEvent.Opened, incident.Id, incident.ProbeId, At, null, payload);
}

public sealed class SqliteIncidentStoreContract : IncidentStoreContract
{
    private readonly SqliteTestDatabase _database = new();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}
