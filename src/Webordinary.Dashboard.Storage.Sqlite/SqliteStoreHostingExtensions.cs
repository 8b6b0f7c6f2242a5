using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage.Sqlite;

public static class SqliteStoreHostingExtensions
{
    /// <summary>
    /// The SQLite provider's stores behind their ports, over one <see cref="SqliteDatabase"/> at
    /// <paramref name="databasePath"/>, and the flusher that writes what waits in memory once the file works again.
    /// </summary>
    public static IServiceCollection AddSqliteStore(this IServiceCollection services, Func<IServiceProvider, string> databasePath)
    {
        services.AddSingleton(sp => new SqliteDatabase(databasePath(sp), sp.GetRequiredService<ILogger<SqliteDatabase>>()));
        services.AddSingleton<IStore>(sp => sp.GetRequiredService<SqliteDatabase>());
        services.AddSingleton<IResultsStore, SqliteResultsStore>();
        services.AddSingleton<IIncidentStore, SqliteIncidentStore>();
        services.AddSingleton<INotificationOutbox, SqliteNotificationOutbox>();
        services.AddSingleton<IAuditStore, SqliteAuditStore>();
        services.AddSingleton<ISchedulePauses, SqliteSchedulePauses>();
        services.AddSingleton<IMaintenanceWindowStore, SqliteMaintenanceWindowStore>();
        services.AddSingleton<IApiKeyRecords, SqliteApiKeyRecords>();
        services.AddSingleton<IHistoryStore, SqliteHistoryStore>();
        services.AddSingleton<IHistoryCompaction, SqliteHistoryCompaction>();
        services.AddHostedService<StoreFlusher>();
        return services;
    }
}
