using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Webordinary.Dashboard.Storage.Postgres;

public static class PostgresStoreServiceCollectionExtensions
{
    /// <summary>
    /// The <c>Store</c> options (bound, with the <c>ConnectionStrings:Dashboard</c> fallback, validated at start), the
    /// one <see cref="NpgsqlDataSource"/> built from them, and the schema migrator.
    /// </summary>
    public static IServiceCollection AddPostgresStore(this IServiceCollection services)
    {
        services.AddOptions<StoreOptions>()
            .Configure<IConfiguration>((options, configuration) => PostgresStoreConfiguration.Bind(configuration, options))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>();
        services.AddSingleton(provider => PostgresDataSource.Create(
            provider.GetRequiredService<IOptions<StoreOptions>>().Value, provider.GetService<ILoggerFactory>()));
        services.AddSingleton<PostgresSchema>();
        return services;
    }
}
