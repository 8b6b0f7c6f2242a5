using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Copy;
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
    /// The <c>Store</c> section as configured (<c>ConnectionStrings:Dashboard</c> taken when <c>Store:ConnectionString</c>
    /// is not set), read before a command line host points its own store elsewhere (<see cref="OpenResultsStore"/>).
    /// </summary>
    public static StoreOptions ReadStoreOptions(IConfiguration configuration)
    {
        var options = new StoreOptions();
        PostgresStoreConfiguration.Bind(configuration, options);
        return options;
    }

    /// <summary>
    /// The configured provider's results store beside a host whose own store is elsewhere (<c>probe run --store</c>: the
    /// runs go to the configured store, everything else to a throw-away one): on PostgreSQL the database of
    /// <paramref name="configured"/>, on SQLite the file in <paramref name="dataDirectory"/>. Dispose the store when done.
    /// </summary>
    /// <exception cref="StoreConfigurationException">The PostgreSQL settings cannot work; the message names each key.</exception>
    public static (IStore Store, IResultsStore Results) OpenResultsStore(IServiceProvider services, StoreOptions configured, IConfiguration configuration, string dataDirectory)
    {
        if (new StoreOptionsValidator(Available).Validate(null, configured) is { Failed: true } unknown)
        {
            throw new StoreConfigurationException(unknown.FailureMessage);
        }

        if (!configured.IsPostgres)
        {
            return SqliteStoreHostingExtensions.OpenResultsStore(services, Path.Combine(dataDirectory, SqliteDatabase.FileName));
        }

        if (PostgresStoreConfiguration.Problems(configured, configuration) is { Count: > 0 } problems)
        {
            throw new StoreConfigurationException(string.Join(Environment.NewLine, problems));
        }

        return PostgresStoreServiceCollectionExtensions.OpenResultsStore(services, configured);
    }

    /// <summary><c>store copy</c>'s source: the SQLite store in <paramref name="dataDirectory"/>, read only, its instance lock held.</summary>
    /// <exception cref="StoreConfigurationException">No store there, a dashboard holds it, or its schema is not this build's.</exception>
    public static async Task<IStoreCopySource> OpenCopySourceAsync(string dataDirectory, CancellationToken cancellationToken) =>
        await SqliteCopySource.OpenAsync(Path.Combine(dataDirectory, SqliteDatabase.FileName), cancellationToken);

    /// <summary>
    /// <c>store copy</c>'s target: the PostgreSQL database of <c>Store:ConnectionString</c> (or <c>ConnectionStrings:Dashboard</c>),
    /// with <c>Store:CaFile</c>, whatever <c>Store:Provider</c> says (the copy comes before the switch).
    /// </summary>
    /// <exception cref="StoreConfigurationException">The settings cannot work; the message names each key.</exception>
    public static IStoreCopyTarget OpenCopyTarget(IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        var options = ReadStoreOptions(configuration);
        options.Provider = StoreOptions.Postgres;
        if (PostgresStoreConfiguration.Problems(options, configuration) is { Count: > 0 } problems)
        {
            throw new StoreConfigurationException(string.Join(Environment.NewLine, problems));
        }

        return new PostgresCopyTarget(options, loggerFactory);
    }

    /// <summary>Closes pooled connections to store files, so a directory that held them can be deleted.</summary>
    public static void ReleaseFiles() => SqliteStoreHostingExtensions.ReleaseFiles();
}
