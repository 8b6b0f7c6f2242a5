using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Storage.Postgres;

public static class PostgresStoreServiceCollectionExtensions
{
    /// <summary>
    /// The PostgreSQL provider's stores behind their ports: the <c>Store</c> options (bound, with the
    /// <c>ConnectionStrings:Dashboard</c> fallback, validated at start), the one <see cref="NpgsqlDataSource"/> built
    /// from them, the schema migrator, the database with its durable writer, and the flusher that writes what waits
    /// in memory (and applies the schema) once the server can be reached again; the change feed's relay and listener, and the cluster's leases.
    /// </summary>
    public static IServiceCollection AddPostgresStore(this IServiceCollection services)
    {
        services.AddOptions<StoreOptions>()
            .Configure<IConfiguration>((options, configuration) => PostgresStoreConfiguration.Bind(configuration, options))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StoreOptions>, PostgresStoreOptionsValidator>();
        services.AddSingleton(provider => PostgresDataSource.Create(
            provider.GetRequiredService<IOptions<StoreOptions>>().Value, provider.GetService<ILoggerFactory>()));
        services.AddSingleton<PostgresSchema>();
        services.AddSingleton<PostgresDatabase>();
        services.AddSingleton<IStore>(sp => sp.GetRequiredService<PostgresDatabase>());
        services.AddSingleton<IResultsStore, PostgresResultsStore>();
        services.AddSingleton<IIncidentStore, PostgresIncidentStore>();
        services.AddSingleton<INotificationOutbox, PostgresNotificationOutbox>();
        services.AddSingleton<IAuditStore, PostgresAuditStore>();
        services.AddSingleton<ISchedulePauses, PostgresSchedulePauses>();
        services.AddSingleton<IFallibleWrites>(sp => sp.GetRequiredService<PostgresDatabase>());
        services.AddSingleton<IRunNowCooldowns, RunNowCooldowns>();
        services.AddSingleton<IScaleClaims, ScaleClaims>();
        services.AddSingleton<IMaintenanceWindowStore, PostgresMaintenanceWindowStore>();
        services.AddSingleton<IApiKeyRecords, PostgresApiKeyRecords>();
        // The probes' own caps when the probes are registered (AddHistory); a store opened alone caps every run alike.
        services.TryAddSingleton(Webordinary.Dashboard.Probes.History.UptimeSpanLimits.Unconfigured);
        services.AddSingleton<IDataProtectionKeys, PostgresDataProtectionKeys>();
        services.AddSingleton<ISignInSessions, PostgresSignInSessions>();
        services.AddSingleton<IHistoryStore, PostgresHistoryStore>();
        services.AddSingleton<IHistoryCompaction, PostgresHistoryCompaction>();
        services.AddSingleton<StartupLoads>();
        services.AddHostedService<StoreFlusher>();
        // The change feed reaches the other instances through the database.
        services.AddSingleton<IChangeRelay, PostgresChangeRelay>();
        services.AddSingleton<IClusterLeases, PostgresClusterLeases>();
        services.AddChangeFeed();
        services.AddSingleton<PostgresChangeListener>();
        services.AddHostedService(sp => sp.GetRequiredService<PostgresChangeListener>());
        return services;
    }

    /// <summary>
    /// A results store on the database of <paramref name="options"/>, outside the container (the command line's
    /// <c>--store</c>); disposing the returned store closes its connections.
    /// </summary>
    public static (IStore Store, IResultsStore Results) OpenResultsStore(IServiceProvider services, StoreOptions options)
    {
        var loggerFactory = services.GetRequiredService<ILoggerFactory>();
        var dataSource = PostgresDataSource.Create(options, loggerFactory);
        var database = new PostgresDatabase(dataSource, new PostgresSchema(dataSource, loggerFactory.CreateLogger<PostgresSchema>()),
            loggerFactory.CreateLogger<PostgresDatabase>(), ownsDataSource: true);
        return (database, ActivatorUtilities.CreateInstance<PostgresResultsStore>(services, database));
    }
}
