using System.Globalization;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>A session's rows in the DynamoDB session table, found by the table's own hash key (learnt from DescribeTable).</summary>
public sealed class SessionRows(IDynamoDbClient dynamo, IOptions<AwsOptions> aws, TimeProvider time)
{
    public const string TtlAttribute = "ttl";

    private string Table => aws.Value.SessionTable;

    public async Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> FindAsync(string sessionId, CancellationToken cancellationToken)
    {
        var hash = await HashKeyAsync(cancellationToken);
        return await dynamo.QueryAsync(Table, hash.Name, sessionId, 10, cancellationToken);
    }

    /// <summary>The fallback when Hermes is unreachable: the session row written straight into DynamoDB, marked and with a TTL.</summary>
    public async Task CreateAsync(string sessionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var schema = (await dynamo.DescribeTableAsync(Table, cancellationToken)).KeySchema;
        var now = time.GetUtcNow();
        var item = new Dictionary<string, object>
        {
            ["status"] = "fallback",
            ["createdAt"] = now.ToUnixTimeMilliseconds(),
            [TtlAttribute] = expiresAt.ToUnixTimeSeconds(),
            ["createdBy"] = "webordinary-dashboard",
        };
        foreach (var key in schema)
        {
            item[key.Name] = key.KeyType == DynamoKeyType.Hash
                ? sessionId
                : key.Type == DynamoScalarType.N ? now.ToUnixTimeMilliseconds() : sessionId;
        }

        await dynamo.PutItemAsync(Table, item, cancellationToken);
    }

    /// <returns>How many rows were deleted.</returns>
    public async Task<int> DeleteAsync(string sessionId, CancellationToken cancellationToken)
    {
        var schema = (await dynamo.DescribeTableAsync(Table, cancellationToken)).KeySchema;
        var rows = await FindAsync(sessionId, cancellationToken);
        foreach (var row in rows)
        {
            await dynamo.DeleteItemAsync(Table, schema.ToDictionary(k => k.Name, k => row[k.Name]), cancellationToken);
        }

        return rows.Count;
    }

    /// <summary>Every probe-made session row: its id and when it expires (its TTL), if it says.</summary>
    public async Task<IReadOnlyList<(string SessionId, DateTimeOffset? ExpiresAt)>> FindMarkedAsync(CancellationToken cancellationToken)
    {
        var hash = await HashKeyAsync(cancellationToken);
        var rows = await dynamo.ScanByPrefixAsync(Table, hash.Name, HermesSessions.MarkerPrefix, cancellationToken);
        return [.. rows.Select(r => ((string)r[hash.Name], r.TryGetValue(TtlAttribute, out var ttl) && long.TryParse(
                Convert.ToString(ttl, CultureInfo.InvariantCulture)?.Split('.')[0], CultureInfo.InvariantCulture, out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds) : (DateTimeOffset?)null))
            .DistinctBy(r => r.Item1)];
    }

    private async Task<DynamoKeyAttribute> HashKeyAsync(CancellationToken cancellationToken)
    {
        var hash = (await dynamo.DescribeTableAsync(Table, cancellationToken)).KeySchema.First(k => k.KeyType == DynamoKeyType.Hash);
        StepScope.Check(hash.Type == DynamoScalarType.S, $"The session table's hash key {hash.Name} is a number; probe sessions need a string key to carry their marker.");
        return hash;
    }
}
