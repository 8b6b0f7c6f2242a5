using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Webordinary.Dashboard.Storage.Postgres;

public static class PostgresStoreServiceCollectionExtensions
{
    /// <summary>
    /// The PostgreSQL provider's stores behind their ports: the <c>Store</c> options (bound, with the
    /// <c>ConnectionStrings:Dashboard</c> fallback, validated at start), the one <see cref="NpgsqlDataSource"/> built
    /// from them, the schema migrator, the database with its durable writer, and the flusher that writes what waits
    /// in memory (and applies the schema) once the server can be reached again.
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
        services.AddSingleton<IHistoryStore, PostgresHistoryStore>();
        services.AddSingleton<IHistoryCompaction, PostgresHistoryCompaction>();
        services.AddSingleton<StartupLoads>();
        services.AddHostedService<StoreFlusher>();
        return services;
    }
}
