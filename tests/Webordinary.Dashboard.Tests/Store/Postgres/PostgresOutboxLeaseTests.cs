using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Postgres;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>Clustered, an outbox claim is leased to the instance that made it: a live peer never takes it; a dead one's lapses.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOutboxLeaseTests(SharedPostgres postgres) : StoreContract
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    private readonly PostgresTestDatabase _database = new(postgres);
    private readonly FakeTimeProvider _clock = new(At);
    private int _instances;

    protected override TimeProvider Clock => _clock;

    protected override Task CreateStoreAsync() => _database.CreateAsync();

    protected override void AddStore(IServiceCollection services)
    {
        _database.AddTo(services);
        services.AddSingleton(new DashboardInstance($"instance-{++_instances}", Clustered: true));
    }

    protected override Task DropStoreAsync() => _database.DropAsync();

    [Fact]
    public async Task A_claim_is_released_by_its_own_instance_or_once_its_lease_has_run_out_never_by_a_live_peer()
    {
        var a = Get<INotificationOutbox>();
        var b = (await OpenAsync()).GetRequiredService<INotificationOutbox>();
        await a.WriteAsync([Write("k1"), Write("k2")], CancellationToken.None);
        var pending = await a.PendingAsync("ops", 10, CancellationToken.None);
        Assert.True(await a.ClaimAsync(pending[0].Id, CancellationToken.None));
        Assert.True(await b.ClaimAsync(pending[1].Id, CancellationToken.None));

        // B stopping (or starting again) releases its own claim; neither it nor B's sweep takes A's, which A is sending.
        Assert.Equal(1, await b.ReleaseClaimsAsync(CancellationToken.None));
        Assert.Equal(0, await b.ReleaseExpiredClaimsAsync(CancellationToken.None));
        Assert.Equal(["k2"], (await b.PendingAsync("ops", 10, CancellationToken.None)).Select(e => e.Key));

        // A died mid-attempt: once its lease has run out, the sweep makes the message pending again.
        _clock.Advance(PostgresNotificationOutbox.Lease - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await b.ReleaseExpiredClaimsAsync(CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await b.ReleaseExpiredClaimsAsync(CancellationToken.None));
        Assert.Equal(["k1", "k2"], (await b.PendingAsync("ops", 10, CancellationToken.None)).Select(e => e.Key));
    }

    private static OutboxWrite Write(string key) => new(OutboxWriteKind.Queue, key, "ops", NotificationEvent.Opened, null, "p", At, null, "{}");
}
