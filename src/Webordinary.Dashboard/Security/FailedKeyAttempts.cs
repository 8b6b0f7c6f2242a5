using Webordinary.Dashboard.Probes.Audit;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// Wrong API keys, by client address: the first <see cref="MaxPerMinute"/> a minute are answered 401, the rest 429
/// with <c>Retry-After</c> until the minute is over, and each address's attempts are one audit entry and one log line a
/// minute (<see cref="AuditFolding"/>) instead of an entry and several lines each. A key that works is never held back:
/// only failures count, so a script guessing from the same address as a real client cannot lock it out. Per process,
/// like the folding: the limit is on the work and the noise each instance takes (a key is 256 random bits; guessing is
/// not the threat).
/// </summary>
public sealed class FailedKeyAttempts(AuditLog audit, TimeProvider time, ILogger<FailedKeyAttempts> logger)
{
    public const int MaxPerMinute = 10;

    private readonly AuditFolding _folding = new(time);

    /// <summary>Counts a wrong key from <paramref name="context"/>'s client; when it is over the limit, how long until it may try again.</summary>
    public async Task<TimeSpan?> FailAsync(HttpContext context)
    {
        var address = ClientOf(context.Connection.RemoteIpAddress);
        var verdict = _folding.Admit(address);
        if (verdict.Write)
        {
            var folded = verdict.FoldedBefore > 0 ? $" ({verdict.FoldedBefore} more in the minute before)" : "";
            logger.LogWarning("A wrong API key from {Address}{Folded}; further ones from it this minute are counted, not logged", address, folded);
            await audit.RecordAsync(new Actor($"address:{address}", address, "apikey"), AuditAction.ApiKeyRejected, address, AuditOutcomes.Denied,
                $"A wrong API key{folded}.", CancellationToken.None);
        }

        return verdict.InWindow > MaxPerMinute ? verdict.WindowEnds - time.GetUtcNow() : null;
    }

    /// <summary>An IPv4 address as it is; an IPv6 one by its /64, which one host may hold whole (and so change address at will).</summary>
    public static string ClientOf(System.Net.IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        bytes.AsSpan(8).Clear();
        return $"{new System.Net.IPAddress(bytes)}/64";
    }
}
