using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>
/// The outage contract on a real server: stopped mid-run, the writes wait in memory in order, /health names the store
/// while they wait, and once the server is back every write is there, in order.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOutageTests(SharedPostgres postgres) : StoreContract
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);
    private readonly PostgresTestDatabase _database = new(postgres);

    protected override Task CreateStoreAsync() => _database.CreateAsync();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();

    [Fact]
    public async Task Writes_made_while_the_server_is_down_wait_in_memory_and_are_all_stored_in_order_when_it_is_back()
    {
        var store = Get<IStore>();
        var results = Get<IResultsStore>();
        await results.InitializeAsync(CancellationToken.None);
        var before = Run("before", T0, ProbeOutcome.Pass);
        await results.InsertCompletedRunAsync(before, CancellationToken.None);
        var check = new ResultsStoreHealthCheck(results, store, Get<StartupLoads>());

        await postgres.Server.StopAsync();
        StoreHealth during;
        HealthCheckResult reported;
        try
        {
            // A run started, a step, its end (the order matters: the end must not land before the start), then an
            // incident with its outbox row and an audit-free standalone outbox write.
            var running = Run("during", T0.AddMinutes(1), ProbeOutcome.Unknown) with { EndedAt = null, DurationMs = null, Steps = [] };
            var step = new StepResult(0, "GET /", StepOutcome.Fail, T0.AddMinutes(1), 30, null, new StepFailure("Http", "503"));
            await results.InsertRunAsync(running, CancellationToken.None);
            await results.InsertStepAsync("during", step, CancellationToken.None);
            await results.CompleteRunAsync(running with { EndedAt = T0.AddMinutes(1).AddSeconds(1), DurationMs = 1000, Outcome = ProbeOutcome.Fail, Steps = [step] },
                CancellationToken.None);
            var incident = new Incident("inc", "p", T0.AddMinutes(1), null, "during", "GET /", "503");
            await Get<IIncidentStore>().UpsertAsync(incident, CancellationToken.None,
                [new OutboxWrite(OutboxWriteKind.Queue, "inc:opened:ops", "ops", NotificationEvent.Opened, "inc", "p", T0.AddMinutes(1), null, "{}")]);
            await Get<IIncidentStore>().UpsertAsync(incident with { EndedAt = T0.AddMinutes(2) }, CancellationToken.None);

            during = store.Health;
            reported = await check.CheckHealthAsync(new HealthCheckContext());
            Assert.False(await store.FlushAsync(CancellationToken.None));
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        Assert.False(during.Healthy);
        Assert.Equal(5, during.Pending);
        Assert.Equal(HealthStatus.Unhealthy, reported.Status);
        Assert.Contains(store.Location, reported.Description, StringComparison.Ordinal);
        Assert.Contains("5 write(s) kept in memory", reported.Description, StringComparison.Ordinal);

        Assert.True(await store.FlushAsync(CancellationToken.None));

        Assert.Equal(StoreHealth.Ok, store.Health);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        var stored = await results.GetRunAsync("during", CancellationToken.None);
        Assert.Equal((ProbeOutcome.Fail, 1000.0), (stored!.Outcome, stored.DurationMs!.Value));
        Assert.Equal("GET /", Assert.Single(stored.Steps).Name);
        Assert.Equal(2, await results.CountRunsAsync("p", CancellationToken.None));
        // The incident's close, written after its open, is what is stored; its outbox row went with the open.
        Assert.True(await Get<IIncidentStore>().IsClosedAsync("inc", CancellationToken.None));
        Assert.Equal(DeliveryState.Pending, (await Get<INotificationOutbox>().GetAsync("inc:opened:ops", CancellationToken.None))!.State);
    }

    [Fact]
    public async Task A_write_made_while_others_wait_goes_behind_them_even_once_the_server_is_back()
    {
        var store = Get<IStore>();
        var results = Get<IResultsStore>();
        await results.InitializeAsync(CancellationToken.None);
        var running = Run("r", T0, ProbeOutcome.Unknown) with { EndedAt = null, DurationMs = null };

        await postgres.Server.StopAsync();
        try
        {
            await results.InsertRunAsync(running, CancellationToken.None);
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        // The server is back but the flusher has not run: the end must wait behind the start, not fail for want of it.
        await results.CompleteRunAsync(running with { EndedAt = T0.AddSeconds(1), DurationMs = 1000, Outcome = ProbeOutcome.Pass }, CancellationToken.None);
        Assert.Equal(2, store.Health.Pending);

        Assert.True(await store.FlushAsync(CancellationToken.None));
        Assert.Equal(ProbeOutcome.Pass, (await results.GetRunAsync("r", CancellationToken.None))!.Outcome);
    }

    private static ProbeRun Run(string id, DateTimeOffset at, ProbeOutcome outcome) =>
        new(id, "p", "Http", RunTrigger.Schedule, at, at.AddSeconds(1), 1000, outcome, null, []);
}
