using System.Text;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>
/// DynamoDB: the session table is ACTIVE, and a probe item can be written, read back and deleted. The item's key
/// follows the table's own key schema (learnt from DescribeTable: S, N or B keys, composite too), carries a
/// recognisable prefix and the table's TTL attribute (from DescribeTimeToLive; <c>ttl</c> when TTL is off), and is
/// deleted in a cleanup step that runs whatever happened before.
/// </summary>
public sealed class DynamoDbTableProbe(ProbeDefinition definition, IDynamoDbClient dynamo, IOptions<AwsOptions> aws, TimeProvider time) : IProbe
{
    public const string KindName = "DynamoDbTable";

    /// <summary>Every item a probe writes starts with this, so leftovers are recognisable.</summary>
    public const string ProbeItemPrefix = "dashboard-probe-";

    /// <summary>The expiry attribute written when the table has no TTL enabled (so the janitor can still tell).</summary>
    public const string DefaultTtlAttribute = "ttl";

    public string Id => definition.Id;

    public string Kind => KindName;

    public async Task RunAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var table = aws.Value.SessionTable;
        var description = await context.StepAsync("Describe table", async step =>
        {
            var described = await dynamo.DescribeTableAsync(table, step.CancellationToken);
            StepScope.Check(described.Status == "ACTIVE", $"Table {table} is {described.Status}, not ACTIVE.");
            step.Detail = $"{table} ACTIVE, key {string.Join(" + ", described.KeySchema.Select(k => $"{k.Name} ({k.Type})"))}, "
                + (described.TtlAttribute is { } ttl ? $"TTL on {ttl}" : "TTL off");
            return described;
        }, cancellationToken);

        var key = description.KeySchema.ToDictionary(k => k.Name, k => KeyValue(k, context.RunId));
        var marker = $"{ProbeItemPrefix}{context.RunId}";
        var written = false;
        try
        {
            await context.StepAsync("Put probe item", async step =>
            {
                var item = new Dictionary<string, object>(key)
                {
                    ["probeMarker"] = marker,
                    ["createdBy"] = "webordinary-dashboard",
                    [description.TtlAttribute ?? DefaultTtlAttribute] = time.GetUtcNow().AddHours(1).ToUnixTimeSeconds(),
                };
                written = true;
                await dynamo.PutItemAsync(table, item, step.CancellationToken);
                step.Detail = $"wrote {FormatKey(key)}";
            }, cancellationToken);

            await context.StepAsync("Get probe item", async step =>
            {
                var item = await dynamo.GetItemAsync(table, key, step.CancellationToken);
                StepScope.Check(item is not null, $"Item {FormatKey(key)} was written but reads back as missing.");
                StepScope.Check(item!.TryGetValue("probeMarker", out var read) && Equals(read?.ToString(), marker),
                    $"Item {FormatKey(key)} reads back with different content.");
                step.Detail = "read back unchanged";
            }, cancellationToken);
        }
        finally
        {
            if (written)
            {
                await context.CleanupAsync("Delete probe item", async step =>
                {
                    await dynamo.DeleteItemAsync(table, key, step.CancellationToken);
                    step.Detail = $"deleted {FormatKey(key)}";
                });
            }
        }

        context.Summary = $"{table}: put/get/delete OK";
    }

    private static object KeyValue(DynamoKeyAttribute key, string runId) => key.Type switch
    {
        DynamoScalarType.S => $"{ProbeItemPrefix}{runId}",
        DynamoScalarType.B => Encoding.UTF8.GetBytes($"{ProbeItemPrefix}{runId}"),
        // A numeric key cannot carry the prefix; a negative number keeps probe items apart from real ones.
        _ => -Math.Abs((long)(Convert.ToUInt64(runId[^12..], 16) % 1_000_000_000_000L)) - 1,
    };

    private static string FormatKey(IReadOnlyDictionary<string, object> key) =>
        string.Join(", ", key.Select(p => $"{p.Key}={(p.Value is byte[] bytes ? $"b'{Encoding.UTF8.GetString(bytes)}'" : p.Value)}"));
}
