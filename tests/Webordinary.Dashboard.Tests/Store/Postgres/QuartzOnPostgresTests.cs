using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Quartz;
using Webordinary.Dashboard.Storage.Postgres;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>Quartz's clustered job store on the tables the migrations create (what the many-instances work schedules with).</summary>
[Collection(PostgresCollection.Name)]
public sealed class QuartzOnPostgresTests(SharedPostgres postgres)
{
    [Fact]
    public async Task Two_clustered_schedulers_on_the_migrated_schema_check_in_and_fire_each_trigger_once()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await new PostgresSchema(dataSource, NullLogger<PostgresSchema>.Instance).MigrateAsync(CancellationToken.None);
        }

        var fires = new Fires(expected: 10);
        await using var a = Instance(connectionString, "instance-a", fires);
        await using var b = Instance(connectionString, "instance-b", fires);
        var schedulers = new[] { await StartAsync(a), await StartAsync(b) };
        try
        {
            var job = JobBuilder.Create<RecordingJob>().WithIdentity("recording").StoreDurably().Build();
            await schedulers[0].AddJob(job, AddJobOptions.Replacing);
            await schedulers[0].ScheduleJob(TriggerBuilder.Create().WithIdentity("every-100-ms").ForJob(job).StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromMilliseconds(100)).WithRepeatCount(9)).Build(), ScheduleJobOptions.Replacing);

            await fires.All.WaitAsync(TimeSpan.FromSeconds(60));

            // Ten fires, each scheduled time once: no fire ran on both instances.
            Assert.Equal(10, fires.ScheduledTimes.Distinct().Count());
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var checkedIn = new NpgsqlCommand("SELECT string_agg(instance_name, ',' ORDER BY instance_name) FROM qrtz_scheduler_state;", connection);
            Assert.Equal("instance-a,instance-b", await checkedIn.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var scheduler in schedulers)
            {
                await scheduler.Shutdown(waitForJobsToComplete: true);
            }
        }
    }

    private static ServiceProvider Instance(string connectionString, string instanceId, Fires fires)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(fires);
        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = "webordinary";
                scheduler.InstanceId = instanceId;
            });
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(NpgsqlFactory.Instance, connectionString);
                store.UseSystemTextJsonSerializer();
                store.UseClustering(cluster => cluster.CheckinInterval = TimeSpan.FromSeconds(1));
            });
        });
        return services.BuildServiceProvider();
    }

    private static async Task<IScheduler> StartAsync(ServiceProvider instance)
    {
        var scheduler = await instance.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.Start();
        return scheduler;
    }

    public sealed class Fires(int expected)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<DateTimeOffset> _scheduledTimes = new();

        public Task All => _all.Task;

        public IReadOnlyCollection<DateTimeOffset> ScheduledTimes => _scheduledTimes;

        public void Record(DateTimeOffset scheduledTime)
        {
            _scheduledTimes.Enqueue(scheduledTime);
            if (_scheduledTimes.Count >= expected)
            {
                _all.TrySetResult();
            }
        }
    }

    public sealed class RecordingJob(Fires fires) : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            fires.Record(context.ScheduledFireTimeUtc!.Value);
            return ValueTask.CompletedTask;
        }
    }
}
