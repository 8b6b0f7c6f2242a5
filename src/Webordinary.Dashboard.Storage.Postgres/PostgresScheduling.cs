using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// Quartz's persistent job store on the dashboard's database, clustered: every instance schedules from the same
/// <c>qrtz_*</c> tables (created by the migrations, <see cref="QuartzTables"/>), each trigger fires on one instance,
/// <c>[DisallowConcurrentExecution]</c> holds across instances, and the triggers of an instance that stops checking in
/// are taken over by the others (Quartz's cluster recovery).
/// </summary>
public static class PostgresScheduling
{
    /// <summary>The scheduler's name: instances of one dashboard share it, and so share the schedule.</summary>
    public const string SchedulerName = "webordinary-dashboard";

    public const string ApplicationName = "webordinary-dashboard-scheduler";

    public static IServiceCollection AddClusteredScheduling(this IServiceCollection services, StoreOptions options, DashboardInstance instance)
    {
        var connectionString = PostgresDataSource.ConnectionString(options, ApplicationName);
        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = SchedulerName;
                scheduler.InstanceId = instance.Id;
            });
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(NpgsqlFactory.Instance, connectionString);
                store.UseSystemTextJsonSerializer();
                // The migrations own the tables (QuartzTables); not checking them at start lets an instance start while
                // the server is unreachable (its schedule waits for the store like the other start-up loads).
                store.ConfigureStore(ado =>
                {
                    ado.SchemaProvisioning = SchemaProvisioning.None;
                    // A trigger later than its threshold (one a dead instance held, freed by the takeover) is fired by
                    // the misfire scan, which by default runs once a minute: every second, it fires within the takeover.
                    ado.MisfireHandlerFrequency = TimeSpan.FromSeconds(1);
                });
                store.UseClustering(cluster =>
                {
                    cluster.CheckinInterval = options.CheckinInterval;
                    // Dead after two silent check-ins, found by the next check-in of another: takeover within three.
                    cluster.CheckinMisfireThreshold = options.CheckinInterval;
                });
            });
        });
        return services;
    }
}
