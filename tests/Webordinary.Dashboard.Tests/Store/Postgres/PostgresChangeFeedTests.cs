using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage.Changes;
using Webordinary.Dashboard.Storage.Postgres;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>
/// The change feed between instances on a real PostgreSQL server: two instances (each its own pool, writer, feed and
/// listener) on one database. What one publishes the other hears, in order, once; a listening connection that is
/// terminated loses nothing (the next one reads on from its position); old rows are pruned.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresChangeFeedTests(SharedPostgres postgres)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public sealed record Noted(int N) : DashboardChange;

    private static readonly ChangeKind[] Kinds =
    [
        new("test-noted", typeof(Noted)),
        new("run-started", typeof(RunStartedEvent)),
        new("step-completed", typeof(StepCompletedEvent)),
        new("run-completed", typeof(RunCompletedEvent)),
    ];

    [Fact]
    public async Task A_run_announced_on_one_instance_is_in_the_other_s_snapshot_and_heard_by_its_subscribers_in_order()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var a = await Instance.StartAsync(connectionString);
        await using var b = await Instance.StartAsync(connectionString);
        var onA = new ProbeStatusFeed(a.Feed);
        var onB = new ProbeStatusFeed(b.Feed);
        onB.Register("hermes", "HermesHealth", "every 10 s", enabled: true, []);
        var heard = new List<ProbeFeedEvent>();
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = onB.Subscribe(e =>
        {
            lock (heard)
            {
                heard.Add(e);
            }

            if (e is RunCompletedEvent)
            {
                completed.TrySetResult();
            }
        });
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_765_000_000_000);
        var started = new ProbeRun("run-a-1", "hermes", "HermesHealth", RunTrigger.Schedule, at, null, null, ProbeOutcome.Unknown, null, []);
        var step = new StepResult(0, "GET /hermes/health", StepOutcome.Fail, at.AddMilliseconds(40), 38.5, null,
            new StepFailure("Http", "answered 503", "ServiceUnavailable", "req-7", 503));
        var done = started with { EndedAt = at.AddMilliseconds(41), DurationMs = 41, Outcome = ProbeOutcome.Fail, Message = "GET /hermes/health: answered 503", Steps = [step] };

        onA.Publish(new RunStartedEvent(started));
        onA.Publish(new StepCompletedEvent(started, step));
        onA.Publish(new RunCompletedEvent(done, ProbeHealth.Down, HealthChanged: true));
        await completed.Task.WaitAsync(Wait);

        lock (heard)
        {
            Assert.Collection(heard,
                e => Assert.Equal("run-a-1", Assert.IsType<RunStartedEvent>(e).Run.Id),
                e => Assert.Equal(step, Assert.IsType<StepCompletedEvent>(e).Step),
                e =>
                {
                    var end = Assert.IsType<RunCompletedEvent>(e);
                    Assert.Equal(done with { Steps = [] }, end.Run with { Steps = [] });
                    Assert.Equal([step], end.Run.Steps);
                    Assert.Equal(ProbeHealth.Down, end.Health);
                    Assert.True(end.HealthChanged);
                });
        }

        var state = onB.Get("hermes")!;
        Assert.Equal("run-a-1", state.LastRun?.Id);
        Assert.Null(state.CurrentRun);
        Assert.Equal(ProbeHealth.Down, state.Health);
    }

    [Fact]
    public async Task A_terminated_listening_connection_loses_no_change_and_hears_none_twice()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var a = await Instance.StartAsync(connectionString);
        await using var b = await Instance.StartAsync(connectionString);
        var heard = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstHalf = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = b.Feed.Subscribe<Noted>(n =>
        {
            lock (heard)
            {
                heard.Add(n.N);
                if (heard.Count == 20)
                {
                    firstHalf.TrySetResult();
                }

                if (heard.Count == 40)
                {
                    all.TrySetResult();
                }
            }
        });
        // A's own changes are not heard back by A.
        var heardOnA = 0;
        using var onA = a.Feed.Subscribe<Noted>(_ => Interlocked.Increment(ref heardOnA));

        for (var n = 0; n < 20; n++)
        {
            a.Feed.Publish(new Noted(n));
        }

        await firstHalf.Task.WaitAsync(Wait);
        var listener = b.Listener.ProcessId;
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync();
            // Waits (up to 10 s) until the backend has gone: what is published next finds no one listening.
            await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend($1, 10000);", admin);
            terminate.Parameters.Add(new NpgsqlParameter<int> { TypedValue = listener });
            Assert.True((bool)(await terminate.ExecuteScalarAsync())!);
        }

        for (var n = 20; n < 40; n++)
        {
            a.Feed.Publish(new Noted(n));
        }

        await all.Task.WaitAsync(Wait);

        lock (heard)
        {
            Assert.Equal(Enumerable.Range(0, 40), heard);
        }

        Assert.NotEqual(listener, b.Listener.ProcessId);
        Assert.Equal(40, heardOnA);
    }

    [Fact]
    public async Task Changes_older_than_the_retention_are_pruned()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var a = await Instance.StartAsync(connectionString);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            var old = DateTimeOffset.UtcNow - PostgresChangeListener.Retention - TimeSpan.FromMinutes(1);
            await using var insert = new NpgsqlCommand(
                "INSERT INTO changes (origin, kind, body, created_at) VALUES ('gone', 'test-noted', '{\"n\":1}', $1), ('kept', 'test-noted', '{\"n\":2}', $2);", connection);
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = old.ToUnixTimeMilliseconds() });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
            await insert.ExecuteNonQueryAsync();
        }

        // A new listener prunes on its first round.
        await using var b = await Instance.StartAsync(connectionString);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var origins = new NpgsqlCommand("SELECT string_agg(origin, ',' ORDER BY position) FROM changes;", connection);
            Assert.Equal("kept", await origins.ExecuteScalarAsync());
        }
    }

    /// <summary>One dashboard instance's part of the feed: its own pool, writer, feed and listener.</summary>
    private sealed class Instance : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _dataSource;
        private readonly PostgresDatabase _database;

        private Instance(NpgsqlDataSource dataSource, PostgresDatabase database, ChangeFeed feed, PostgresChangeListener listener)
        {
            (_dataSource, _database, Feed, Listener) = (dataSource, database, feed, listener);
        }

        public ChangeFeed Feed { get; }

        public PostgresChangeListener Listener { get; }

        public static async Task<Instance> StartAsync(string connectionString)
        {
            var dataSource = NpgsqlDataSource.Create(connectionString);
            var database = new PostgresDatabase(dataSource, new PostgresSchema(dataSource, NullLogger<PostgresSchema>.Instance), NullLogger<PostgresDatabase>.Instance);
            await database.MigrateAsync(CancellationToken.None);
            var feed = new ChangeFeed(Kinds, TimeProvider.System, NullLogger<ChangeFeed>.Instance,
                new PostgresChangeRelay(database, TimeProvider.System, NullLogger<PostgresChangeRelay>.Instance));
            var listener = new PostgresChangeListener(dataSource, database, feed, TimeProvider.System, NullLogger<PostgresChangeListener>.Instance);
            await listener.StartAsync(CancellationToken.None);
            await listener.Listening.WaitAsync(Wait);
            return new Instance(dataSource, database, feed, listener);
        }

        public async ValueTask DisposeAsync()
        {
            await Listener.StopAsync(CancellationToken.None);
            Listener.Dispose();
            await _database.DisposeAsync();
            await _dataSource.DisposeAsync();
        }
    }
}
