using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Sessions;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>Session tables keyed other than Hermes' (binary hash; numeric hash + string range; TTL on another attribute), on moto.</summary>
public sealed class DynamoKeySchemaFixture : IAsyncLifetime
{
    public const string BinaryTable = "sessions-binary-hash";
    public const string TenantTable = "sessions-by-tenant";
    public const string TenantTtl = "expiresAt";

    public MotoServer Moto { get; private set; } = null!;

    public CountingProxy Proxy { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        MotoServer.UseEnvironmentCredentials();
        Moto = await MotoServer.StartAsync();
        Proxy = await CountingProxy.StartAsync(Moto.Endpoint);
        using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey),
            new AmazonDynamoDBConfig { ServiceURL = Moto.Endpoint.ToString(), AuthenticationRegion = Moto.Seed.Region });
        await dynamo.CreateTableAsync(new CreateTableRequest
        {
            TableName = BinaryTable,
            KeySchema = [new KeySchemaElement("sessionKey", KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("sessionKey", ScalarAttributeType.B)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        await dynamo.CreateTableAsync(new CreateTableRequest
        {
            TableName = TenantTable,
            KeySchema = [new KeySchemaElement("tenantId", KeyType.HASH), new KeySchemaElement("sessionId", KeyType.RANGE)],
            AttributeDefinitions = [new AttributeDefinition("tenantId", ScalarAttributeType.N), new AttributeDefinition("sessionId", ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        await dynamo.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = TenantTable,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = TenantTtl, Enabled = true },
        });
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Moto.DisposeAsync();
    }
}

public sealed class DynamoKeySchemaTests(DynamoKeySchemaFixture fixture) : IClassFixture<DynamoKeySchemaFixture>
{
    [Fact]
    public async Task The_table_probe_writes_reads_and_deletes_its_item_in_a_binary_hash_key_table()
    {
        await using var host = await StartAsync(DynamoKeySchemaFixture.BinaryTable);
        fixture.Proxy.Clear();

        var run = await host.RunProbeAsync("dynamo");

        Assert.True(run.Outcome == ProbeOutcome.Pass, $"{run.Outcome}: {run.Message}");
        Assert.Contains("key sessionKey (B), TTL off", run.Steps[0].Detail);
        var put = JsonNode.Parse(Assert.Single(fixture.Proxy.Calls, c => c.Operation == "PutItem").Body)!["Item"]!;
        Assert.StartsWith(DynamoDbTableProbe.ProbeItemPrefix, Encoding.UTF8.GetString(Convert.FromBase64String(put["sessionKey"]!["B"]!.GetValue<string>())));
        Assert.NotNull(put["ttl"]?["N"]);
        Assert.Empty(await ItemsAsync(DynamoKeySchemaFixture.BinaryTable));
    }

    [Fact]
    public async Task The_table_probe_keys_a_numeric_hash_and_string_range_table_and_uses_its_ttl_attribute()
    {
        await using var host = await StartAsync(DynamoKeySchemaFixture.TenantTable);
        fixture.Proxy.Clear();

        var run = await host.RunProbeAsync("dynamo");

        Assert.True(run.Outcome == ProbeOutcome.Pass, $"{run.Outcome}: {run.Message}");
        Assert.Contains($"key tenantId (N) + sessionId (S), TTL on {DynamoKeySchemaFixture.TenantTtl}", run.Steps[0].Detail);
        var put = Assert.Single(fixture.Proxy.Calls, c => c.Operation == "PutItem");
        Assert.Contains($"\"{DynamoKeySchemaFixture.TenantTtl}\":{{\"N\":", put.Body);
        Assert.DoesNotContain("\"ttl\"", put.Body);
        Assert.Empty(await ItemsAsync(DynamoKeySchemaFixture.TenantTable));
    }

    [Fact]
    public async Task The_cold_start_fallback_writes_finds_and_removes_its_row_in_a_binary_hash_key_table()
    {
        await using var host = await StartAsync(DynamoKeySchemaFixture.BinaryTable);

        var run = await host.RunProbeAsync("cold-start");

        AssertFallbackUsedAndCleanedUp(run);
        Assert.Empty(await ItemsAsync(DynamoKeySchemaFixture.BinaryTable));
    }

    [Fact]
    public async Task The_cold_start_fallback_puts_the_session_id_in_the_range_key_and_the_configured_tenant_in_the_hash_key()
    {
        await using var host = await StartAsync(DynamoKeySchemaFixture.TenantTable, ("Aws:SessionKeyValues:tenantId", "7"));
        fixture.Proxy.Clear();

        var run = await host.RunProbeAsync("cold-start");

        AssertFallbackUsedAndCleanedUp(run);
        var put = Assert.Single(fixture.Proxy.Calls, c => c.Operation == "PutItem");
        Assert.Contains("\"tenantId\":{\"N\":\"7\"}", put.Body);
        Assert.Contains($"\"sessionId\":{{\"S\":\"{HermesSessions.MarkerPrefix}", put.Body);
        Assert.Contains($"\"{DynamoKeySchemaFixture.TenantTtl}\":{{\"N\":", put.Body);
        Assert.Empty(await ItemsAsync(DynamoKeySchemaFixture.TenantTable));
    }

    [Fact]
    public async Task Without_a_value_for_the_other_key_the_fallback_fails_naming_the_setting_that_needs_it()
    {
        await using var host = await StartAsync(DynamoKeySchemaFixture.TenantTable);

        var run = await host.RunProbeAsync("cold-start");

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        var failed = run.Steps.First(s => s.Outcome == StepOutcome.Fail);
        Assert.Equal("Create session row in DynamoDB (fallback)", failed.Name);
        Assert.Contains("hash key tenantId (N) does not carry the session id: set Aws:SessionKeyValues:tenantId", failed.Failure!.Message);
        Assert.Empty(await ItemsAsync(DynamoKeySchemaFixture.TenantTable));
    }

    [Fact]
    public async Task Session_rows_in_a_binary_hash_key_table_are_found_and_removed_and_scanned_for_by_the_markers_bytes()
    {
        var aws = new AwsClients(new Dictionary<string, string?>(fixture.Moto.AwsSettings())
        {
            ["Aws:SessionTable"] = DynamoKeySchemaFixture.BinaryTable,
            ["Aws:ServiceUrl"] = fixture.Proxy.Endpoint.ToString(),
        });
        var rows = new SessionRows(aws.DynamoDb, aws.Options, TimeProvider.System);
        var sessionId = HermesSessions.NewSessionId();
        fixture.Proxy.Clear();

        await rows.CreateAsync(sessionId, DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);
        var found = await rows.FindAsync(sessionId, CancellationToken.None);
        await rows.FindMarkedAsync(CancellationToken.None);
        var deleted = await rows.DeleteAsync(sessionId, CancellationToken.None);

        Assert.Equal(sessionId, Encoding.UTF8.GetString((byte[])Assert.Single(found)["sessionKey"]));
        Assert.Equal(1, deleted);
        Assert.Empty(await rows.FindAsync(sessionId, CancellationToken.None));
        // DynamoDB's begins_with compares a binary attribute by its bytes (moto's matches strings only, so the scan
        // itself is checked on the wire): the marker goes out as B, the bytes of the prefix.
        var scan = JsonNode.Parse(Assert.Single(fixture.Proxy.Calls, c => c.Operation == "Scan").Body)!;
        Assert.Contains("begins_with(#a, :b)", scan["FilterExpression"]!.GetValue<string>());
        Assert.Equal("sessionKey", scan["ExpressionAttributeNames"]!["#a"]!.GetValue<string>());
        Assert.Equal(HermesSessions.MarkerPrefix, Encoding.UTF8.GetString(Convert.FromBase64String(scan["ExpressionAttributeValues"]![":b"]!["B"]!.GetValue<string>())));
    }

    private async Task<DashboardHost> StartAsync(string table, params (string Key, string Value)[] extra)
    {
        // No ALB answers: Hermes is unreachable, so the cold start takes its DynamoDB fallback.
        var settings = fixture.Moto.DashboardSettings(through: fixture.Proxy.Endpoint);
        settings["Aws:SessionTable"] = table;
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        DashboardHost.AddProbe(settings, "dynamo", DynamoDbTableProbe.KindName);
        Sessions.SessionSettings.AddFlow(settings, "cold-start", ColdStartProbe.KindName);
        return await DashboardHost.StartAsync(settings);
    }

    private static void AssertFallbackUsedAndCleanedUp(ProbeRun run)
    {
        Assert.True(run.Outcome == ProbeOutcome.Degraded, $"{run.Outcome}: {run.Message}");
        Assert.Contains("fallback used", run.Message);
        foreach (var step in new[] { "Create session row in DynamoDB (fallback)", "Verify session row in DynamoDB", "Delete session row in DynamoDB" })
        {
            Assert.Equal(StepOutcome.Pass, Assert.Single(run.Steps, s => s.Name == step).Outcome);
        }

        Assert.Contains("deleted 1 row(s)", run.Steps.Single(s => s.Name == "Delete session row in DynamoDB").Detail);
    }

    private async Task<List<Dictionary<string, AttributeValue>>> ItemsAsync(string table)
    {
        using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey),
            new AmazonDynamoDBConfig { ServiceURL = fixture.Moto.Endpoint.ToString(), AuthenticationRegion = fixture.Moto.Seed.Region });
        return (await dynamo.ScanAsync(new ScanRequest { TableName = table })).Items ?? [];
    }
}
