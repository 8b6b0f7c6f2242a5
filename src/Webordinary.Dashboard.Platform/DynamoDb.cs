namespace Webordinary.Dashboard.Platform;

public enum DynamoKeyType { Hash, Range }

/// <summary>Scalar key attribute type: <c>S</c> (string), <c>N</c> (number) or <c>B</c> (binary, a <see cref="byte"/> array).</summary>
public enum DynamoScalarType { S, N, B }

public sealed record DynamoKeyAttribute(string Name, DynamoKeyType KeyType, DynamoScalarType Type);

/// <param name="TtlAttribute">The attribute DynamoDB expires items by (DescribeTimeToLive), or null when TTL is off.</param>
public sealed record DynamoTableDescription(string Name, string Status, IReadOnlyList<DynamoKeyAttribute> KeySchema, long ItemCount, string? TtlAttribute = null);

/// <summary>
/// The DynamoDB item operations the probes use. Attribute values are <see cref="string"/> (S), a number
/// (<see cref="long"/>, <see cref="double"/>, <see cref="decimal"/>: N) or a <see cref="byte"/> array (B), which is
/// all a probe item needs.
/// </summary>
public interface IDynamoDbClient
{
    /// <exception cref="PlatformResourceNotFoundException">The table does not exist.</exception>
    Task<DynamoTableDescription> DescribeTableAsync(string table, CancellationToken cancellationToken);

    Task PutItemAsync(string table, IReadOnlyDictionary<string, object> item, CancellationToken cancellationToken);

    /// <returns>The item, or null when no item has that key.</returns>
    Task<IReadOnlyDictionary<string, object>?> GetItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken);

    Task DeleteItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken);

    /// <summary>The items whose hash key equals <paramref name="hashKeyValue"/> (Query), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> QueryAsync(string table, string hashKeyName, object hashKeyValue, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Every item whose attribute starts with <paramref name="prefix"/> (Scan with a filter, all pages): a string
    /// attribute by its characters, a binary one by the prefix's UTF-8 bytes.
    /// </summary>
    Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> ScanByPrefixAsync(string table, string attributeName, string prefix, CancellationToken cancellationToken);
}
