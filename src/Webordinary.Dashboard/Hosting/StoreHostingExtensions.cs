using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Postgres;
using Webordinary.Dashboard.Storage.Sqlite;

namespace Webordinary.Dashboard.Hosting;

public static class StoreHostingExtensions
{
    /// <summary>The providers this build includes (<c>Store:Provider</c>).</summary>
    private static readonly string[] Available = [StoreOptions.Sqlite, StoreOptions.Postgres];

    /// <summary>
    /// The store chosen by <c>Store:Provider</c>. Everything else asks for the ports (<see cref="IStore"/>,
    /// <see cref="IResultsStore"/>, …); which engine answers is decided here only. An unknown provider fails the
    /// start (exit 2, the key named); until then SQLite is registered so that nothing resolves a missing service.
    /// </summary>
    public static IHostApplicationBuilder AddStore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<StoreOptions>().Bind(builder.Configuration.GetSection(StoreOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StoreOptions>>(new StoreOptionsValidator(Available));

        var chosen = new StoreOptions { Provider = builder.Configuration[StoreOptions.ProviderKey] ?? StoreOptions.Sqlite };
        var bound = TryBind(builder.Configuration, chosen);
        var instance = new DashboardInstance(DashboardInstance.NewId(), chosen.IsPostgres && chosen.ClusteredScheduling);
        services.AddSingleton(instance);
        if (chosen.IsPostgres)
        {
            // Store:ConnectionString (or ConnectionStrings:Dashboard) and Store:CaFile, checked at start (exit 2 naming
            // the key); the schema is applied at start; while the server cannot be reached the durable writes wait in
            // memory and the store is unhealthy.
            services.AddPostgresStore();
            if (instance.Clustered && bound && PostgresStoreConfiguration.Problems(chosen, builder.Configuration).Count == 0)
            {
                // A connection string that cannot work is refused at start (exit 2) by the options check instead.
                services.AddClusteredScheduling(chosen, instance);
            }

            return builder;
        }

        var contentRoot = builder.Environment.ContentRootPath;
        services.AddSqliteStore(sp => Path.Combine(contentRoot, sp.GetRequiredService<IOptions<DashboardOptions>>().Value.DataDirectory, SqliteDatabase.FileName));
        return builder;
    }

    /// <summary>The section as the scheduler needs it at registration; a value that does not bind is reported by the options check at start.</summary>
    private static bool TryBind(IConfiguration configuration, StoreOptions options)
    {
        try
        {
            PostgresStoreConfiguration.Bind(configuration, options);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// The configured provider's results store on another data directory than the app's own (<c>probe run --store</c>:
    /// the runs go to the configured store, everything else to a throw-away one).
    /// </summary>
    public static (IStore Store, IResultsStore Results) OpenResultsStore(IServiceProvider services, string dataDirectory) =>
        SqliteStoreHostingExtensions.OpenResultsStore(services, Path.Combine(dataDirectory, SqliteDatabase.FileName));

    /// <summary>Closes pooled connections to store files, so a directory that held them can be deleted.</summary>
    public static void ReleaseFiles() => SqliteStoreHostingExtensions.ReleaseFiles();
}
