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

    private static OutboxWrite Opened(string key, Incident incident, string? payload) =>
        new(OutboxWriteKind.Queue, key, key.Split(':')[^1], NotificationEvent.Opened, incident.Id, incident.ProbeId, At, null, payload);
}

public sealed class SqliteIncidentStoreContract : IncidentStoreContract
{
    private readonly SqliteTestDatabase _database = new();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}
