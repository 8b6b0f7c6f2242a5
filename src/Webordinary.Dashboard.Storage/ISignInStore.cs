namespace Webordinary.Dashboard.Storage;

/// <summary>A Data Protection key as stored: the XML element Data Protection wrote, under the name it gave it (<c>key-{id}</c>).</summary>
public sealed record StoredDataProtectionKey(string FriendlyName, string Xml);

/// <summary>
/// The Data Protection key ring every instance shares (the keys that protect cookies, sign-in sessions, antiforgery
/// tokens and circuits), so a restart or another instance reads what this one protected.
/// </summary>
public interface IDataProtectionKeys
{
    Task<IReadOnlyList<StoredDataProtectionKey>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Stores a key; a key of that name stored already is left as it is.</summary>
    /// <returns>False when the name was taken.</returns>
    Task<bool> AddAsync(StoredDataProtectionKey key, CancellationToken cancellationToken);
}

/// <summary>
/// The sign-in sessions (Oidc mode), by the random key their cookie carries: each ticket as the caller protected it,
/// until it expires or is removed. A removed session stays removed: renewing it brings nothing back.
/// </summary>
public interface ISignInSessions
{
    Task AddAsync(string key, byte[] ticket, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Replaces a stored session's ticket and expiry.</summary>
    /// <returns>False when there is no such session (removed, or pruned after it expired).</returns>
    Task<bool> RenewAsync(string key, byte[] ticket, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>The session's ticket, or null when it was removed or has expired at <paramref name="now"/>.</summary>
    Task<byte[]?> GetAsync(string key, DateTimeOffset now, CancellationToken cancellationToken);

    Task RemoveAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes the sessions expired at <paramref name="now"/>.</summary>
    /// <returns>How many were deleted.</returns>
    Task<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
