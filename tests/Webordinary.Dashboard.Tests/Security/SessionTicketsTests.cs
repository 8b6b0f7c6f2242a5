using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Tests.Store;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>
/// The sign-in sessions over the store: a ticket lasts until the expiry the cookie handler gave it, renewing slides
/// it, signing out ends it, a sign-in prunes the expired ones, and the stored row is protected (no claim readable in it).
/// </summary>
public sealed class SessionTicketsTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000));
    private readonly SqliteTestDatabase _database = new();
    private ServiceProvider _services = null!;

    private SessionTickets Tickets => _services.GetRequiredService<SessionTickets>();

    private ISignInSessions Rows => _services.GetRequiredService<ISignInSessions>();

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        _database.AddTo(services);
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddSingleton<SessionTickets>();
        _services = services.BuildServiceProvider();
        await _services.GetRequiredService<IStore>().MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DropAsync();
    }

    [Fact]
    public async Task A_ticket_lasts_until_its_expiry_and_renewing_slides_it()
    {
        var key = await Tickets.StoreAsync(Ticket("alice@example.com", _time.GetUtcNow().AddHours(1)));

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("alice@example.com", (await Tickets.RetrieveAsync(key))?.Principal.Identity?.Name);
        await Tickets.RenewAsync(key, Ticket("alice@example.com", _time.GetUtcNow().AddHours(1)));

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.NotNull(await Tickets.RetrieveAsync(key));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await Tickets.RetrieveAsync(key));
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_a_late_renewal_does_not_bring_it_back()
    {
        var key = await Tickets.StoreAsync(Ticket("alice@example.com", _time.GetUtcNow().AddHours(8)));

        await Tickets.RemoveAsync(key);
        await Tickets.RenewAsync(key, Ticket("alice@example.com", _time.GetUtcNow().AddHours(8)));

        Assert.Null(await Tickets.RetrieveAsync(key));
    }

    [Fact]
    public async Task A_sign_in_prunes_the_expired_sessions_and_the_row_holds_no_readable_claim()
    {
        var expired = await Tickets.StoreAsync(Ticket("old@example.com", _time.GetUtcNow().AddMinutes(5)));
        _time.Advance(TimeSpan.FromMinutes(10));

        var key = await Tickets.StoreAsync(Ticket("alice@example.com", _time.GetUtcNow().AddHours(8)));

        // Pruned, not merely filtered: the row is gone, so renewing it finds nothing.
        Assert.False(await Rows.RenewAsync(expired, [1], _time.GetUtcNow().AddHours(8), CancellationToken.None));
        var row = await Rows.GetAsync(key, _time.GetUtcNow(), CancellationToken.None);
        Assert.NotNull(row);
        Assert.DoesNotContain("alice@example.com", Encoding.UTF8.GetString(row!));
        Assert.DoesNotContain("alice@example.com", Encoding.Unicode.GetString(row!));
    }

    private static AuthenticationTicket Ticket(string name, DateTimeOffset expires) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "test")), new AuthenticationProperties { ExpiresUtc = expires }, "Cookies");
}
