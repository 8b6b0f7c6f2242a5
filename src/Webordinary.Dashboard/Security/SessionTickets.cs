using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// The sign-in sessions (Oidc mode), kept in the store (<see cref="ISignInSessions"/>): the cookie carries only a
/// random key, the ticket is a row, protected with Data Protection. Every instance reads the same rows, so a restart or
/// another instance keeps the person signed in, and signing out on one removes the session for all: a copy of the
/// cookie is worthless afterwards everywhere. No cache in front: a cached ticket would let another instance accept a
/// cookie signed out here, and a read by primary key is cheap next to the request it authenticates.
/// </summary>
public sealed class SessionTickets(ISignInSessions sessions, IDataProtectionProvider protection, TimeProvider time) : ITicketStore
{
    private readonly IDataProtector _protector = protection.CreateProtector("Webordinary.Dashboard.SessionTickets");

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, CancellationToken.None);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Sign-ins are rare next to requests: pruning here keeps the table to the sessions still valid, without a job.
        await sessions.RemoveExpiredAsync(now, cancellationToken);
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        await sessions.AddAsync(key, Protect(ticket), ExpiryOf(ticket, now), cancellationToken);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    /// <summary>Slides the session's expiry; a session signed out meanwhile (on any instance) stays signed out.</summary>
    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken) =>
        sessions.RenewAsync(key, Protect(ticket), ExpiryOf(ticket, time.GetUtcNow()), cancellationToken);

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        if (await sessions.GetAsync(key, time.GetUtcNow(), cancellationToken) is not { } stored)
        {
            return null;
        }

        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(stored));
        }
        catch (CryptographicException)
        {
            // Protected with a key no longer in the ring (the store's keys were replaced): no session.
            return null;
        }
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    public Task RemoveAsync(string key, CancellationToken cancellationToken) => sessions.RemoveAsync(key, cancellationToken);

    private byte[] Protect(AuthenticationTicket ticket) => _protector.Protect(TicketSerializer.Default.Serialize(ticket));

    /// <summary>The cookie handler gives every ticket its expiry; one without is kept no longer than a session lasts.</summary>
    private static DateTimeOffset ExpiryOf(AuthenticationTicket ticket, DateTimeOffset now) =>
        ticket.Properties.ExpiresUtc ?? now + AuthenticationSetup.SessionLifetime;
}

/// <summary>Gives the cookie handler the dashboard's session store.</summary>
internal sealed class SessionTicketsSetup(SessionTickets tickets) : Microsoft.Extensions.Options.IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options) => options.SessionStore = tickets;
}
