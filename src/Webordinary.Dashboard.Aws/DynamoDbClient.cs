using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>DynamoDB through the official AWSSDK.DynamoDBv2, mapped onto the dashboard's small item interface.</summary>
public sealed class DynamoDbClient : IDynamoDbClient, IDisposable
{
    private readonly Lazy<AmazonDynamoDBClient> _client;

    public DynamoDbClient(AwsCredentialsSource credentials, AwsTransport transport, IOptions<AwsOptions> options)
    {
        _client = new Lazy<AmazonDynamoDBClient>(() =>
        {
            var config = new AmazonDynamoDBConfig
            {
                MaxErrorRetry = options.Value.MaxRetries,
                Timeout = options.Value.CallTimeout,
            };
            var endpoint = transport.EndpointFor(AwsService.DynamoDb);
            if (endpoint.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase))
            {
                config.RegionEndpoint = credentials.Region;
            }
            else
            {
                config.ServiceURL = endpoint.ToString();
                config.AuthenticationRegion = credentials.Region.SystemName;
            }

            return new AmazonDynamoDBClient(credentials.Credentials, config);
        });
    }

    public Task<DynamoTableDescription> DescribeTableAsync(string table, CancellationToken cancellationToken) => CallAsync("DescribeTable", async () =>
    {
        var described = (await _client.Value.DescribeTableAsync(new DescribeTableRequest { TableName = table }, cancellationToken)).Table;
        var types = described.AttributeDefinitions.ToDictionary(a => a.AttributeName, a => a.AttributeType.Value);
        return new DynamoTableDescription(described.TableName, described.TableStatus.Value,
            [.. described.KeySchema.OrderBy(k => k.KeyType == KeyType.HASH ? 0 : 1).Select(k => new DynamoKeyAttribute(k.AttributeName,
                k.KeyType == KeyType.HASH ? DynamoKeyType.Hash : DynamoKeyType.Range,
                types.GetValueOrDefault(k.AttributeName) == "N" ? DynamoScalarType.N : DynamoScalarType.S))],
            described.ItemCount ?? 0);
    }, table);

    public Task PutItemAsync(string table, IReadOnlyDictionary<string, object> item, CancellationToken cancellationToken) =>
        CallAsync("PutItem", () => _client.Value.PutItemAsync(new PutItemRequest { TableName = table, Item = ToAttributes(item) }, cancellationToken), table);

    public Task<IReadOnlyDictionary<string, object>?> GetItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken) =>
        CallAsync("GetItem", async () =>
        {
            var reply = await _client.Value.GetItemAsync(new GetItemRequest { TableName = table, Key = ToAttributes(key), ConsistentRead = true }, cancellationToken);
            return reply.Item is { Count: > 0 } found ? FromItem(found) : null;
        }, table);

    public Task DeleteItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken) =>
        CallAsync("DeleteItem", () => _client.Value.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = ToAttributes(key) }, cancellationToken), table);

    public Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> QueryAsync(string table, string hashKeyName, object hashKeyValue, int limit, CancellationToken cancellationToken) =>
        CallAsync("Query", async () =>
        {
            var reply = await _client.Value.QueryAsync(new QueryRequest
            {
                TableName = table,
                KeyConditionExpression = "#k = :v",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#k"] = hashKeyName },
                ExpressionAttributeValues = ToAttributes(new Dictionary<string, object> { [":v"] = hashKeyValue }),
                Limit = limit,
                ConsistentRead = true,
            }, cancellationToken);
            return (IReadOnlyList<IReadOnlyDictionary<string, object>>)[.. (reply.Items ?? []).Select(FromItem)];
        }, table);

    public Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> ScanByPrefixAsync(string table, string attributeName, string prefix, CancellationToken cancellationToken) =>
        CallAsync("Scan", async () =>
        {
            var items = new List<IReadOnlyDictionary<string, object>>();
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var reply = await _client.Value.ScanAsync(new ScanRequest
                {
                    TableName = table,
                    FilterExpression = "begins_with(#a, :p)",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#a"] = attributeName },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":p"] = new() { S = prefix } },
                    ExclusiveStartKey = start,
                }, cancellationToken);
                items.AddRange((reply.Items ?? []).Select(FromItem));
                start = reply.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);

            return (IReadOnlyList<IReadOnlyDictionary<string, object>>)items;
        }, table);

    private static IReadOnlyDictionary<string, object> FromItem(Dictionary<string, AttributeValue> item) =>
        item.ToDictionary(p => p.Key, p => FromAttribute(p.Value));

    private static async Task<T> CallAsync<T>(string operation, Func<Task<T>> call, string table)
    {
        try
        {
            return await call();
        }
        catch (ResourceNotFoundException exception)
        {
            throw new PlatformResourceNotFoundException("dynamodb", operation, exception.ErrorCode ?? "ResourceNotFoundException", table,
                exception.Message, (int)exception.StatusCode, exception.RequestId);
        }
        catch (AmazonServiceException exception)
        {
            throw new PlatformCallException("dynamodb", operation, exception.ErrorCode ?? exception.GetType().Name, exception.Message,
                exception.StatusCode == 0 ? null : (int)exception.StatusCode, exception.RequestId, exception);
        }
        catch (AmazonClientException exception)
        {
            throw new PlatformCallException("dynamodb", operation, "ClientError", exception.Message, null, null, exception);
        }
    }

    private static Dictionary<string, AttributeValue> ToAttributes(IReadOnlyDictionary<string, object> item) =>
        item.ToDictionary(p => p.Key, p => p.Value switch
        {
            string text => new AttributeValue { S = text },
            IFormattable number => new AttributeValue { N = number.ToString(null, CultureInfo.InvariantCulture) },
            var other => new AttributeValue { S = other.ToString() },
        });

    private static object FromAttribute(AttributeValue value) =>
        value.S is not null ? value.S
        : value.N is not null ? decimal.Parse(value.N, CultureInfo.InvariantCulture)
        : value.BOOL ?? (object)"";

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }
}
