using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>
/// A session's rows in the DynamoDB session table, keyed as the table is (learnt from DescribeTable): the session
/// id goes into the hash key when that is a string or binary key, else into the range key. The other key attribute
/// gets <c>Aws:SessionKeyValues:{name}</c>, or, for a numeric range key, the time the row was written (epoch ms).
/// The expiry goes into the table's TTL attribute (DescribeTimeToLive; <c>ttl</c> when TTL is off).
/// </summary>
public sealed class SessionRows(IDynamoDbClient dynamo, IOptions<AwsOptions> aws, TimeProvider time)
{
    private string Table => aws.Value.SessionTable;

    /// <summary>How the table is keyed for sessions: which key carries the session id, and the expiry attribute.</summary>
    private sealed record Layout(DynamoTableDescription Table, DynamoKeyAttribute SessionKey, string TtlAttribute)
    {
        public bool SessionIdIsHashKey => SessionKey.KeyType == DynamoKeyType.Hash;
    }

    public async Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> FindAsync(string sessionId, CancellationToken cancellationToken)
    {
        var layout = await LayoutAsync(cancellationToken);
        if (layout.SessionIdIsHashKey)
        {
            return await dynamo.QueryAsync(Table, layout.SessionKey.Name, SessionValue(layout.SessionKey, sessionId), 10, cancellationToken);
        }

        // The session id is the range key: the row's whole key is known.
        var row = await dynamo.GetItemAsync(Table, KeyOf(layout, sessionId, time.GetUtcNow()), cancellationToken);
        return row is null ? [] : [row];
    }

    /// <summary>The fallback when Hermes is unreachable: the session row written straight into DynamoDB, marked and with a TTL.</summary>
    public async Task CreateAsync(string sessionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var layout = await LayoutAsync(cancellationToken);
        var now = time.GetUtcNow();
        var item = new Dictionary<string, object>
        {
            ["status"] = "fallback",
            ["createdAt"] = now.ToUnixTimeMilliseconds(),
            [layout.TtlAttribute] = expiresAt.ToUnixTimeSeconds(),
            ["createdBy"] = "webordinary-dashboard",
        };
        foreach (var (name, value) in KeyOf(layout, sessionId, now))
        {
            item[name] = value;
        }

        await dynamo.PutItemAsync(Table, item, cancellationToken);
    }

    /// <returns>How many rows were deleted.</returns>
    public async Task<int> DeleteAsync(string sessionId, CancellationToken cancellationToken)
    {
        var layout = await LayoutAsync(cancellationToken);
        var rows = await FindAsync(sessionId, cancellationToken);
        foreach (var row in rows)
        {
            await dynamo.DeleteItemAsync(Table, layout.Table.KeySchema.ToDictionary(k => k.Name, k => row[k.Name]), cancellationToken);
        }

        return rows.Count;
    }

    /// <summary>Every probe-made session row: its id and when it expires (its TTL), if it says.</summary>
    public async Task<IReadOnlyList<(string SessionId, DateTimeOffset? ExpiresAt)>> FindMarkedAsync(CancellationToken cancellationToken)
    {
        var layout = await LayoutAsync(cancellationToken);
        var rows = await dynamo.ScanByPrefixAsync(Table, layout.SessionKey.Name, HermesSessions.MarkerPrefix, cancellationToken);
        return [.. rows.Select(r => (SessionIdOf(r[layout.SessionKey.Name]), r.TryGetValue(layout.TtlAttribute, out var ttl) && long.TryParse(
                Convert.ToString(ttl, CultureInfo.InvariantCulture)?.Split('.')[0], CultureInfo.InvariantCulture, out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds) : (DateTimeOffset?)null))
            .DistinctBy(r => r.Item1)];
    }

    private async Task<Layout> LayoutAsync(CancellationToken cancellationToken)
    {
        var table = await dynamo.DescribeTableAsync(Table, cancellationToken);
        var hash = table.KeySchema.First(k => k.KeyType == DynamoKeyType.Hash);
        var range = table.KeySchema.FirstOrDefault(k => k.KeyType == DynamoKeyType.Range);
        var sessionKey = hash.Type != DynamoScalarType.N ? hash
            : range is { Type: not DynamoScalarType.N } ? range
            : throw new ProbeCheckException(
                $"The session table {Table} is keyed by numbers only ({string.Join(" + ", table.KeySchema.Select(k => k.Name))}): a session id needs a string or binary key.");
        return new Layout(table, sessionKey, table.TtlAttribute ?? DynamoDbTableProbe.DefaultTtlAttribute);
    }

    private Dictionary<string, object> KeyOf(Layout layout, string sessionId, DateTimeOffset now) =>
        layout.Table.KeySchema.ToDictionary(k => k.Name, k => k == layout.SessionKey ? SessionValue(k, sessionId) : OtherKeyValue(k, now));

    private static object SessionValue(DynamoKeyAttribute key, string sessionId) =>
        key.Type == DynamoScalarType.B ? Encoding.UTF8.GetBytes(sessionId) : sessionId;

    private static string SessionIdOf(object value) => value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>The key attribute that does not carry the session id: as configured, or the write time for a numeric range key.</summary>
    private object OtherKeyValue(DynamoKeyAttribute key, DateTimeOffset now)
    {
        var setting = $"{AwsOptions.SectionName}:{nameof(AwsOptions.SessionKeyValues)}:{key.Name}";
        if (aws.Value.SessionKeyValues.TryGetValue(key.Name, out var configured))
        {
            return key.Type switch
            {
                DynamoScalarType.N => decimal.TryParse(configured, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    ? number
                    : throw new ProbeCheckException($"{setting} is '{configured}', but {key.Name} is a number key (N)."),
                DynamoScalarType.B => Encoding.UTF8.GetBytes(configured),
                _ => configured,
            };
        }

        if (key is { KeyType: DynamoKeyType.Range, Type: DynamoScalarType.N })
        {
            return now.ToUnixTimeMilliseconds();
        }

        throw new ProbeCheckException(
            $"The session table's {key.KeyType.ToString().ToLowerInvariant()} key {key.Name} ({key.Type}) does not carry the session id: set {setting} to the value probe sessions should use.");
    }
}
