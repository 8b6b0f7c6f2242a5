using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Security;

/// <param name="Source"><c>configuration</c> (<c>Auth:ApiKeys</c>) or <c>dashboard</c> (made by an admin in the UI).</param>
public sealed record ApiKeyInfo(string Name, DashboardRole Role, string Source, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? RevokedAt, string? RevokedBy, DateTimeOffset? LastUsedAt)
{
    public const string FromConfiguration = "configuration";
    public const string FromDashboard = "dashboard";

    public bool Revoked => RevokedAt is not null;
}

/// <summary>A key made or revoked, on this instance or another: every instance's keys follow at once.</summary>
public abstract record ApiKeyChange : DashboardChange;

/// <param name="Sha256">The new key's hash, as the store keeps it (never the key).</param>
public sealed record ApiKeyCreated(string Sha256, ApiKeyInfo Key) : ApiKeyChange;

public sealed record ApiKeyRevoked(string Name, DateTimeOffset At, string By) : ApiKeyChange;

/// <summary>
/// API keys for automation and hub clients: <c>Authorization: Bearer &lt;key&gt;</c>. Only each key's SHA-256 is
/// kept (configuration names hashes; a key made in the UI is shown once and never stored). Keys are looked up in
/// memory, so a request with a wrong key never reaches the database; the last-used time is written at most once a
/// minute per key. A revoked key stays listed, refused. The memory follows the change feed: a key made on one
/// instance works on every one at once, and one revoked is refused everywhere at once.
/// </summary>
public sealed class ApiKeyStore(IApiKeyRecords records, IOptions<AuthOptions> options, TimeProvider time, ChangeFeed changes, ILogger<ApiKeyStore> logger)
{
    public const string Prefix = "wdk_";
    private static readonly TimeSpan UsageWriteInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, ApiKeyInfo> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usageWritten = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changes = new(1, 1);
    private int _following;

    /// <summary>
    /// Writes the configured keys' hashes and roles, then loads every key and follows the change feed. A configured key
    /// whose hash changed is a new key (no longer revoked).
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _following, 1) == 0)
        {
            // For the life of the process (both are singletons); before the load, so nothing made meanwhile is missed.
            changes.Apply<ApiKeyChange>(Apply);
            changes.Subscribe<ChangesMissed>(missed => { _ = ReloadAfterMissedChangesAsync(); });
        }

        // A key taken out of the configuration no longer works.
        await records.SyncConfiguredAsync(
            [.. options.Value.ApiKeys.Select(p => new ConfiguredApiKey(p.Key, p.Value.Sha256!.ToLowerInvariant(), p.Value.Role.ToString()))], time.GetUtcNow(), cancellationToken);
        await ReloadAsync(cancellationToken);
    }

    public IReadOnlyList<ApiKeyInfo> List() => [.. _byHash.Values.OrderBy(k => k.Revoked).ThenBy(k => k.Name, StringComparer.Ordinal)];

    /// <summary>
    /// The key's record when <paramref name="key"/> is a key that works, its last-used time kept (and written when a
    /// minute has passed since the last write for this key); null for anything else.
    /// </summary>
    public ApiKeyInfo? Authenticate(string key)
    {
        if (key.Length is 0 or > 256 || !_byHash.TryGetValue(Hash(key), out var info) || info.Revoked)
        {
            return null;
        }

        var now = time.GetUtcNow();
        _byHash[Hash(key)] = info with { LastUsedAt = now };
        if (!_usageWritten.TryGetValue(info.Name, out var written) || now - written >= UsageWriteInterval)
        {
            _usageWritten[info.Name] = now;
            _ = records.RecordUseAsync(info.Name, now, CancellationToken.None).ContinueWith(
                t => logger.LogWarning(t.Exception, "Could not record when API key {Name} was last used", info.Name), TaskContinuationOptions.OnlyOnFaulted);
        }

        return info;
    }

    /// <returns>The new key's record and the key itself (shown once), or why it cannot be made.</returns>
    public async Task<(ApiKeyInfo? Key, string? Secret, string? Error)> CreateAsync(string name, DashboardRole role, Actor creator, CancellationToken cancellationToken)
    {
        if (!ProbeIdFormat.IsValid(name))
        {
            return (null, null, "A key's name may contain only letters, digits, '-' and '_' (at most 64).");
        }

        await _changes.WaitAsync(cancellationToken);
        try
        {
            if (_byHash.Values.Any(k => k.Name == name))
            {
                return (null, null, $"There is already a key named '{name}' (revoked keys keep their names).");
            }

            var secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
            var info = new ApiKeyInfo(name, role, ApiKeyInfo.FromDashboard, time.GetUtcNow(), creator.ToString(), null, null, null);
            await records.AddAsync(new StoredApiKey(name, ApiKeyInfo.FromDashboard, Hash(secret), role.ToString(), info.CreatedAt, info.CreatedBy, null, null, null),
                cancellationToken);
            changes.Publish(new ApiKeyCreated(Hash(secret), info));
            return (info, secret, null);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <returns>False when there is no such key or it was revoked already.</returns>
    public async Task<bool> RevokeAsync(string name, Actor revoker, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            var (hash, info) = _byHash.FirstOrDefault(p => p.Value.Name == name && !p.Value.Revoked);
            if (info is null)
            {
                return false;
            }

            var now = time.GetUtcNow();
            await records.RevokeAsync(name, now, revoker.ToString(), cancellationToken);
            changes.Publish(new ApiKeyRevoked(name, now, revoker.ToString()));
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    public bool IsActive(string name) => _byHash.Values.Any(k => k.Name == name && !k.Revoked);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private void Apply(ApiKeyChange change)
    {
        switch (change)
        {
            case ApiKeyCreated created:
                _byHash.TryAdd(created.Sha256, created.Key);
                break;
            case ApiKeyRevoked revoked:
                foreach (var (hash, info) in _byHash.Where(p => p.Value.Name == revoked.Name && !p.Value.Revoked))
                {
                    _byHash[hash] = info with { RevokedAt = revoked.At, RevokedBy = revoked.By };
                }

                break;
        }
    }

    private async Task ReloadAfterMissedChangesAsync()
    {
        try
        {
            await ReloadAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "API keys could not be reloaded after missed changes");
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var rows = await records.ListAsync(cancellationToken);
        _byHash.Clear();
        foreach (var row in rows)
        {
            _byHash[row.Sha256] = new ApiKeyInfo(row.Name, Enum.Parse<DashboardRole>(row.Role), row.Source, row.CreatedAt, row.CreatedBy, row.RevokedAt, row.RevokedBy,
                row.LastUsedAt);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
