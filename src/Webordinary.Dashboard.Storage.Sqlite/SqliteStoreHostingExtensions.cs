using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        services.AddSingleton<IFallibleWrites>(sp => sp.GetRequiredService<SqliteDatabase>());
        services.AddSingleton<IRunNowCooldowns, RunNowCooldowns>();
        services.AddSingleton<IScaleClaims, ScaleClaims>();
        services.AddSingleton<IMaintenanceWindowStore, SqliteMaintenanceWindowStore>();
        services.AddSingleton<IApiKeyRecords, SqliteApiKeyRecords>();
        // The probes' own caps when the probes are registered (AddHistory); a store opened alone caps every run alike.
        services.TryAddSingleton(Webordinary.Dashboard.Probes.History.UptimeSpanLimits.Unconfigured);
        services.AddSingleton<IDataProtectionKeys, SqliteDataProtectionKeys>();
        services.AddSingleton<ISignInSessions, SqliteSignInSessions>();
        services.AddSingleton<IHistoryStore, SqliteHistoryStore>();
        services.AddSingleton<IHistoryCompaction, SqliteHistoryCompaction>();
        services.AddSingleton<StartupLoads>();
        services.AddHostedService<StoreFlusher>();
        services.AddHostedService<SqliteInstanceLock>();
        return services;
    }

    /// <summary>A results store on a file of its own, outside the container (the command line's <c>--store</c>).</summary>
    public static (IStore Store, IResultsStore Results) OpenResultsStore(IServiceProvider services, string databasePath)
    {
        var database = new SqliteDatabase(databasePath, services.GetRequiredService<ILogger<SqliteDatabase>>());
        return (database, ActivatorUtilities.CreateInstance<SqliteResultsStore>(services, database));
    }

    /// <summary>Closes pooled connections, so a directory that held a database can be deleted.</summary>
    public static void ReleaseFiles() => SqliteConnection.ClearAllPools();
}
