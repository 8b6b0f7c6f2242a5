using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>The Data Protection key ring and the sign-in sessions, shared by every process on the store.</summary>
public abstract class SignInStoreContract : StoreContract
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    [Fact]
    public async Task Keys_are_kept_in_order_for_every_process_and_a_name_taken_is_left_as_it_is()
    {
        var keys = Get<IDataProtectionKeys>();
        Assert.True(await keys.AddAsync(new StoredDataProtectionKey("key-1", "<key id=\"1\" />"), CancellationToken.None));
        Assert.True(await keys.AddAsync(new StoredDataProtectionKey("key-2", "<key id=\"2\" />"), CancellationToken.None));

        var other = (await OpenAsync()).GetRequiredService<IDataProtectionKeys>();
        Assert.False(await other.AddAsync(new StoredDataProtectionKey("key-1", "<key id=\"other\" />"), CancellationToken.None));

        Assert.Equal([new StoredDataProtectionKey("key-1", "<key id=\"1\" />"), new StoredDataProtectionKey("key-2", "<key id=\"2\" />")],
            await other.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_session_is_read_by_another_process_until_it_expires_and_renewing_slides_its_expiry()
    {
        var sessions = Get<ISignInSessions>();
        await sessions.AddAsync("a", [1, 2, 3], At.AddHours(1), CancellationToken.None);
        var other = (await OpenAsync()).GetRequiredService<ISignInSessions>();

        Assert.Equal([1, 2, 3], await other.GetAsync("a", At, CancellationToken.None));
        Assert.Null(await other.GetAsync("a", At.AddHours(1), CancellationToken.None));
        Assert.Null(await other.GetAsync("unknown", At, CancellationToken.None));

        Assert.True(await other.RenewAsync("a", [4, 5], At.AddHours(2), CancellationToken.None));
        Assert.Equal([4, 5], await sessions.GetAsync("a", At.AddMinutes(90), CancellationToken.None));
    }

    [Fact]
    public async Task A_session_removed_by_one_process_is_gone_for_all_and_renewing_it_does_not_bring_it_back()
    {
        var sessions = Get<ISignInSessions>();
        await sessions.AddAsync("a", [1], At.AddHours(1), CancellationToken.None);
        var other = (await OpenAsync()).GetRequiredService<ISignInSessions>();
        Assert.NotNull(await other.GetAsync("a", At, CancellationToken.None));

        await sessions.RemoveAsync("a", CancellationToken.None);

        Assert.False(await other.RenewAsync("a", [2], At.AddHours(2), CancellationToken.None));
        Assert.Null(await other.GetAsync("a", At, CancellationToken.None));
    }

    [Fact]
    public async Task Expired_sessions_are_pruned_and_the_others_kept()
    {
        var sessions = Get<ISignInSessions>();
        await sessions.AddAsync("old", [1], At.AddMinutes(-1), CancellationToken.None);
        await sessions.AddAsync("ends-now", [2], At, CancellationToken.None);
        await sessions.AddAsync("valid", [3], At.AddMinutes(1), CancellationToken.None);

        Assert.Equal(2, await sessions.RemoveExpiredAsync(At, CancellationToken.None));

        // Pruned, not just filtered: renewing an expired one finds nothing.
        Assert.False(await sessions.RenewAsync("old", [1], At.AddHours(1), CancellationToken.None));
        Assert.Equal([3], await sessions.GetAsync("valid", At, CancellationToken.None));
        Assert.Equal(0, await sessions.RemoveExpiredAsync(At, CancellationToken.None));
    }
}

public sealed class SqliteSignInStoreContract : SignInStoreContract
{
    private readonly SqliteTestDatabase _database = new();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}
