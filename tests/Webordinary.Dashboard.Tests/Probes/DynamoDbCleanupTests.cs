using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Probes;

/// <summary>The DynamoDB probe's item is removed whatever happens between its write and its delete.</summary>
public sealed class DynamoDbCleanupTests : IAsyncLifetime
{
    private const string ProbeId = "dynamo";
    private readonly ScriptedDynamoDbClient _scripted = new();
    private DashboardHost _host = null!;

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, ProbeId, DynamoDbTableProbe.KindName);
        _host = await DashboardHost.StartAsync(settings, configureServices: services =>
            services.AddSingleton<IDynamoDbClient>(sp => _scripted.Wrap(ActivatorUtilities.CreateInstance<SandboxDynamoDbClientAccessor>(sp).Client)));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private int ItemCount => _host.Get<SandboxPlatform>().ItemCount(_host.Get<IOptions<AwsOptions>>().Value.SessionTable);

    [Fact]
    public async Task Failed_read_back_still_deletes_the_item_and_fails_the_run_at_the_read()
    {
        _scripted.FailGets = true;

        var run = await _host.RunProbeAsync(ProbeId);

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        Assert.Equal(["Describe table", "Put probe item", "Get probe item", "Delete probe item"], run.Steps.Select(s => s.Name));
        Assert.Equal(StepOutcome.Fail, run.Steps[2].Outcome);
        Assert.Equal(StepOutcome.Pass, run.Steps[3].Outcome);
        Assert.Equal(0, ItemCount);
    }

    [Fact]
    public async Task Cleanup_calls_the_client_once_and_leaves_retrying_to_it()
    {
        // The AWS clients retry throttling themselves (the SDK's standard mode); a cleanup step retrying on top of
        // them multiplied the attempts (4 × 4 against AWS). One throttle the client gave up on fails the step.
        _scripted.ThrottleDeletes = 1;

        var run = await _host.RunProbeAsync(ProbeId);

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        Assert.Equal(1, _scripted.DeleteCalls);
        var failed = Assert.Single(run.Steps, s => s.Outcome == StepOutcome.Fail);
        Assert.Equal("Delete probe item", failed.Name);
        Assert.Equal("ThrottlingException", failed.Failure!.ErrorCode);
    }

    [Fact]
    public async Task Delete_that_keeps_failing_fails_the_run_at_the_cleanup_step()
    {
        _scripted.ThrottleDeletes = int.MaxValue;

        var run = await _host.RunProbeAsync(ProbeId);

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        var failed = Assert.Single(run.Steps, s => s.Outcome == StepOutcome.Fail);
        Assert.Equal("Delete probe item", failed.Name);
        Assert.Equal("ThrottlingException", failed.Failure!.ErrorCode);
    }

    /// <summary>Reaches the sandbox's own client, which the test wraps.</summary>
    private sealed class SandboxDynamoDbClientAccessor(SandboxPlatform platform, FaultInjector faults)
    {
        public IDynamoDbClient Client { get; } = SandboxClients.DynamoDb(platform, faults);
    }

    private sealed class ScriptedDynamoDbClient
    {
        public bool FailGets { get; set; }
        public int ThrottleDeletes { get; set; }
        public int DeleteCalls;

        public IDynamoDbClient Wrap(IDynamoDbClient inner) => new Client(this, inner);

        private sealed class Client(ScriptedDynamoDbClient script, IDynamoDbClient inner) : IDynamoDbClient
        {
            public Task<DynamoTableDescription> DescribeTableAsync(string table, CancellationToken cancellationToken) => inner.DescribeTableAsync(table, cancellationToken);

            public Task PutItemAsync(string table, IReadOnlyDictionary<string, object> item, CancellationToken cancellationToken) => inner.PutItemAsync(table, item, cancellationToken);

            public Task<IReadOnlyDictionary<string, object>?> GetItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken) =>
                script.FailGets
                    ? throw new PlatformCallException("dynamodb", "GetItem", "InternalServerError", "scripted failure", 500, "req-get")
                    : inner.GetItemAsync(table, key, cancellationToken);

            public Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> QueryAsync(string table, string hashKeyName, object hashKeyValue, int limit, CancellationToken cancellationToken) =>
                inner.QueryAsync(table, hashKeyName, hashKeyValue, limit, cancellationToken);

            public Task<IReadOnlyList<IReadOnlyDictionary<string, object>>> ScanByPrefixAsync(string table, string attributeName, string prefix, CancellationToken cancellationToken) =>
                inner.ScanByPrefixAsync(table, attributeName, prefix, cancellationToken);

            public Task DeleteItemAsync(string table, IReadOnlyDictionary<string, object> key, CancellationToken cancellationToken) =>
                Interlocked.Increment(ref script.DeleteCalls) <= script.ThrottleDeletes
                    ? throw new PlatformCallException("dynamodb", "DeleteItem", "ThrottlingException", "scripted throttle", 400, "req-delete")
                    : inner.DeleteItemAsync(table, key, cancellationToken);
        }
    }
}
