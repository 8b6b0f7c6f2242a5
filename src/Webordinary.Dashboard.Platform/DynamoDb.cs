namespace Webordinary.Dashboard.Platform;

public enum DynamoKeyType { Hash, Range }

/// <summary>Scalar key attribute type: <c>S</c> or <c>N</c>.</summary>
public enum DynamoScalarType { S, N }

public sealed record DynamoKeyAttribute(string Name, DynamoKeyType KeyType, DynamoScalarType Type);

public sealed record DynamoTableDescription(string Name, string Status, IReadOnlyList<DynamoKeyAttribute> KeySchema, long ItemCount);

/// <summary>
/// The DynamoDB item operations the probes use. Attribute values are <see cref="string"/> (S) or a number
/// (<see cref="long"/>, <see cref="double"/>, <see cref="decimal"/>: N), which is all a probe item needs.
/// </summary>
public interface IDynamoDbClient
{
    /// <exception cref="PlatformResourceNotFoundException">The table does not exist.</exception>
    Task<DynamoTableDescription> DescribeTableAsync(string table, CancellationToken cancellationToken);

    Task PutItemAsync(string table, IReadOnlyDictionary<string, object> item, CancellationToken cancellationToken);

    /// <returns>The item, or null when no item has that key.</returns>
    Task<IReadOnlyDictionary<string, object>?> GetItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken);

    Task DeleteItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken);
}
