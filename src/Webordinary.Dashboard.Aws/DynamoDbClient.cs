using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>DynamoDB through the official AWSSDK.DynamoDBv2, mapped onto the dashboard's small item interface.</summary>
public sealed class DynamoDbClient(AwsCredentialsSource credentials, AwsTransport transport, IOptions<AwsOptions> options, TimeProvider time)
    : IDynamoDbClient, IDisposable
{
    private readonly AwsSdkClient<AmazonDynamoDBClient> _sdk = new(AwsService.DynamoDb, credentials, transport, options, time,
        (c, config) => new AmazonDynamoDBClient(c, (AmazonDynamoDBConfig)config), () => new AmazonDynamoDBConfig());

    /// <summary>The SDK client as configured (for a test that asks it where it sends a request).</summary>
    internal AmazonDynamoDBClient Sdk => _sdk.Client;

    public Task<DynamoTableDescription> DescribeTableAsync(string table, CancellationToken cancellationToken) =>
        _sdk.CallAsync("DescribeTable", table, async (client, token) =>
        {
            var described = (await client.DescribeTableAsync(new DescribeTableRequest { TableName = table }, token)).Table;
            var ttl = (await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table }, token)).TimeToLiveDescription;
            var types = (described.AttributeDefinitions ?? []).ToDictionary(a => a.AttributeName, a => a.AttributeType.Value);
            return new DynamoTableDescription(described.TableName, described.TableStatus.Value,
                [.. (described.KeySchema ?? []).OrderBy(k => k.KeyType == KeyType.HASH ? 0 : 1).Select(k => new DynamoKeyAttribute(k.AttributeName,
                    k.KeyType == KeyType.HASH ? DynamoKeyType.Hash : DynamoKeyType.Range,
                    types.GetValueOrDefault(k.AttributeName) switch { "N" => DynamoScalarType.N, "B" => DynamoScalarType.B, _ => DynamoScalarType.S }))],
                described.ItemCount ?? 0,
                ttl?.TimeToLiveStatus?.Value is "ENABLED" or "ENABLING" ? ttl.AttributeName : null);
        }, cancellationToken);

    public Task PutItemAsync(string table, IReadOnlyDictionary<string, object> item, CancellationToken cancellationToken) =>
        _sdk.CallAsync("PutItem", table, (client, token) => client.PutItemAsync(new PutItemRequest { TableName = table, Item = ToAttributes(item) }, token),
            cancellationToken);

    public Task<IReadOnlyDictionary<string, object>?> GetItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken) =>
        _sdk.CallAsync("GetItem", table, async (client, token) =>
        {
            var reply = await client.GetItemAsync(new GetItemRequest { TableName = table, Key = ToAttributes(key), ConsistentRead = true }, token);
            return reply.Item is { Count: > 0 } found ? FromItem(found) : null;
        }, cancellationToken);

    public Task DeleteItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken) =>
        _sdk.CallAsync("DeleteItem", table, (client, token) => client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = ToAttributes(key) }, token),
            cancellationToken);

    public Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> QueryAsync(string table, string hashKeyName, object hashKeyValue, int limit, CancellationToken cancellationToken) =>
        _sdk.CallAsync("Query", table, async (client, token) =>
        {
            var reply = await client.QueryAsync(new QueryRequest
            {
                TableName = table,
                KeyConditionExpression = "#k = :v",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#k"] = hashKeyName },
                ExpressionAttributeValues = ToAttributes(new Dictionary<string, object> { [":v"] = hashKeyValue }),
                Limit = limit,
                ConsistentRead = true,
            }, token);
            return (IReadOnlyList<IReadOnlyDictionary<string, object>>)[.. (reply.Items ?? []).Select(FromItem)];
        }, cancellationToken);

    public Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> ScanByPrefixAsync(string table, string attributeName, string prefix, CancellationToken cancellationToken) =>
        _sdk.CallAsync("Scan", table, async (client, token) =>
        {
            var items = new List<IReadOnlyDictionary<string, object>>();
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var reply = await client.ScanAsync(new ScanRequest
                {
                    TableName = table,
                    // Either type of key attribute: begins_with is false for the other type, not an error.
                    FilterExpression = "begins_with(#a, :s) OR begins_with(#a, :b)",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#a"] = attributeName },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":s"] = new() { S = prefix },
                        [":b"] = new() { B = new MemoryStream(Encoding.UTF8.GetBytes(prefix)) },
                    },
                    ExclusiveStartKey = start,
                }, token);
                items.AddRange((reply.Items ?? []).Select(FromItem));
                start = reply.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);

            return (IReadOnlyList<IReadOnlyDictionary<string, object>>)items;
        }, cancellationToken);

    private static IReadOnlyDictionary<string, object> FromItem(Dictionary<string, AttributeValue> item) =>
        item.ToDictionary(p => p.Key, p => FromAttribute(p.Value));

    private static Dictionary<string, AttributeValue> ToAttributes(IReadOnlyDictionary<string, object> item) =>
        item.ToDictionary(p => p.Key, p => p.Value switch
        {
            string text => new AttributeValue { S = text },
            byte[] bytes => new AttributeValue { B = new MemoryStream(bytes) },
            IFormattable number => new AttributeValue { N = number.ToString(null, CultureInfo.InvariantCulture) },
            var other => new AttributeValue { S = other.ToString() },
        });

    private static object FromAttribute(AttributeValue value) =>
        value.S is not null ? value.S
        : value.N is not null ? decimal.Parse(value.N, CultureInfo.InvariantCulture)
        : value.B is not null ? value.B.ToArray()
        : value.BOOL ?? (object)"";

    public void Dispose() => _sdk.Dispose();
}
