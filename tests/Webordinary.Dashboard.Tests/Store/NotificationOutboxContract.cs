using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>The outbox and its delivery log: once per key, claims, attempts, dead letters, pruning.</summary>
public abstract class NotificationOutboxContract : StoreContract
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    private INotificationOutbox Outbox => Get<INotificationOutbox>();

    [Fact]
    public async Task A_key_is_queued_once_and_a_refresh_replaces_only_a_payload_never_tried()
    {
        await Outbox.WriteAsync([Write(OutboxWriteKind.Queue, "k1", "first")], CancellationToken.None);
        await Outbox.WriteAsync([Write(OutboxWriteKind.Queue, "k1", "second")], CancellationToken.None);
        await Outbox.WriteAsync([Write(OutboxWriteKind.QueueOrRefresh, "k2", "first")], CancellationToken.None);
        await Outbox.WriteAsync([Write(OutboxWriteKind.QueueOrRefresh, "k2", "second")], CancellationToken.None);
        var k2 = (await Outbox.GetAsync("k2", CancellationToken.None))!;
        await Outbox.RecordAttemptAsync(k2.Id, DeliveryState.Pending, 1, At, At.AddSeconds(1), 503, "busy", CancellationToken.None);
        await Outbox.WriteAsync([Write(OutboxWriteKind.QueueOrRefresh, "k2", "third")], CancellationToken.None);

        Assert.Equal("first", (await Outbox.GetAsync("k1", CancellationToken.None))!.Payload);
        Assert.Equal("second", (await Outbox.GetAsync("k2", CancellationToken.None))!.Payload);
        Assert.Equal(["k1", "k2"], (await Outbox.PendingAsync("ops", 10, CancellationToken.None)).Select(e => e.Key));
    }

    [Fact]
    public async Task A_pending_message_is_claimed_once_and_a_claim_cut_short_is_pending_again()
    {
        await Outbox.WriteAsync([Write(OutboxWriteKind.Queue, "k1", "{}")], CancellationToken.None);
        var id = Assert.Single(await Outbox.PendingAsync("ops", 10, CancellationToken.None)).Id;

        Assert.True(await Outbox.ClaimAsync(id, CancellationToken.None));
        Assert.False(await Outbox.ClaimAsync(id, CancellationToken.None));
        Assert.Empty(await Outbox.PendingAsync("ops", 10, CancellationToken.None));
        Assert.Equal(1, await Outbox.ReleaseClaimsAsync(CancellationToken.None));
        Assert.Equal(id, Assert.Single(await Outbox.PendingAsync("ops", 10, CancellationToken.None)).Id);
    }

    [Fact]
    public async Task A_dead_letter_is_counted_in_the_figures_and_a_retry_makes_it_pending_with_its_attempts_afresh()
    {
        await Outbox.WriteAsync([Write(OutboxWriteKind.Queue, "k1", "{}")], CancellationToken.None);
        var id = (await Outbox.GetAsync("k1", CancellationToken.None))!.Id;
        await Outbox.RecordAttemptAsync(id, DeliveryState.Dead, 8, At.AddMinutes(1), At.AddMinutes(1), 500, "boom", CancellationToken.None);

        var figures = (await Outbox.FiguresAsync(CancellationToken.None))["ops"];
        Assert.Equal((0, 1, (DateTimeOffset?)At.AddMinutes(1), "boom", (int?)500), (figures.Pending, figures.Dead, figures.LastAttemptAt, figures.LastError, figures.LastStatus));
        Assert.Single(await Outbox.ListAsync(new DeliveryQuery(State: DeliveryState.Dead), CancellationToken.None));
        Assert.True(await Outbox.RetryAsync(id, At.AddMinutes(2), CancellationToken.None));
        Assert.False(await Outbox.RetryAsync(id, At.AddMinutes(2), CancellationToken.None));
        var retried = (await Outbox.GetAsync(id, CancellationToken.None))!;
        Assert.Equal((DeliveryState.Pending, 0, At.AddMinutes(2)), (retried.State, retried.Attempts, retried.DueAt));
    }

    [Fact]
    public async Task Pruning_drops_settled_messages_but_never_those_of_an_incident_still_open()
    {
        var open = new Incident("open", "p", At, null, "r1", null, null);
        var closed = new Incident("closed", "q", At, At.AddMinutes(1), "r2", null, null);
        await Get<IIncidentStore>().UpsertAsync(open, CancellationToken.None, [Write(OutboxWriteKind.Queue, "open:opened:ops", "{}", "open")]);
        await Get<IIncidentStore>().UpsertAsync(closed, CancellationToken.None, [Write(OutboxWriteKind.Queue, "closed:opened:ops", "{}", "closed")]);
        foreach (var entry in await Outbox.PendingAsync("ops", 10, CancellationToken.None))
        {
            await Outbox.RecordAttemptAsync(entry.Id, DeliveryState.Delivered, 1, At.AddSeconds(1), At.AddSeconds(1), 200, null, CancellationToken.None);
        }

        Assert.Equal(1, await Outbox.PruneAsync(At.AddDays(1), CancellationToken.None));
        Assert.Equal(["open:opened:ops"], (await Outbox.ListAsync(new DeliveryQuery(), CancellationToken.None)).Select(e => e.Key));
        Assert.Equal((DateTimeOffset?)At.AddSeconds(1), (await Outbox.GetAsync("open:opened:ops", CancellationToken.None))!.DeliveredAt);
    }

    [Fact]
    public async Task Messages_to_a_channel_no_longer_configured_become_dead_letters_naming_it()
    {
        await Outbox.WriteAsync([Write(OutboxWriteKind.Queue, "k1", "{}"), Write(OutboxWriteKind.Queue, "k2", "{}", channel: "gone")], CancellationToken.None);

        Assert.Equal(1, await Outbox.ForgetChannelsAsync(["ops"], At, CancellationToken.None));
        var gone = (await Outbox.GetAsync("k2", CancellationToken.None))!;
        Assert.Equal(DeliveryState.Dead, gone.State);
        Assert.Contains("Notifications:Channels:gone", gone.LastError);
    }

    private static OutboxWrite Write(OutboxWriteKind kind, string key, string payload, string? incident = null, string channel = "ops") =>
        new(kind, key, channel, NotificationEvent.Opened, incident, "p", At, null, payload);
}

public sealed class SqliteNotificationOutboxContract : NotificationOutboxContract
{
    private readonly SqliteTestDatabase _database = new();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}
