namespace Webordinary.Dashboard.Storage;

/// <summary>An API key as it is stored: its SHA-256 only, never the key.</summary>
/// <param name="Source"><c>configuration</c> (<c>Auth:ApiKeys</c>) or <c>dashboard</c> (made by an admin in the UI).</param>
/// <param name="Role">The role's name.</param>
public sealed record StoredApiKey(string Name, string Source, string Sha256, string Role, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? RevokedAt, string? RevokedBy, DateTimeOffset? LastUsedAt);

/// <summary>A key named in configuration: its hash and role's name.</summary>
public sealed record ConfiguredApiKey(string Name, string Sha256, string Role);

/// <summary>The API keys' records (hashes, roles, who made and revoked them, when each was last used).</summary>
public interface IApiKeyRecords
{
    /// <summary>
    /// In one transaction: the configured keys written (a key whose hash changed is a new key, no longer revoked) and
    /// configured keys no longer named revoked by <c>configuration</c>.
    /// </summary>
    Task SyncConfiguredAsync(IReadOnlyList<ConfiguredApiKey> configured, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredApiKey>> ListAsync(CancellationToken cancellationToken);

    Task AddAsync(StoredApiKey key, CancellationToken cancellationToken);

    Task RevokeAsync(string name, DateTimeOffset at, string by, CancellationToken cancellationToken);

    Task RecordUseAsync(string name, DateTimeOffset at, CancellationToken cancellationToken);
}
