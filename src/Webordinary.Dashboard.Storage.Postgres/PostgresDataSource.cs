using Microsoft.Extensions.Logging;
using Npgsql;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>The one connection source of the PostgreSQL store (its pool), built from the validated <c>Store</c> options.</summary>
public static class PostgresDataSource
{
    /// <summary>What the server lists in <c>pg_stat_activity</c> unless the connection string names something else.</summary>
    public const string ApplicationName = "webordinary-dashboard";

    public static NpgsqlDataSource Create(StoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString(options, ApplicationName));

        // The stores send the same few statements over and over (a run, its steps, each at every probe's interval):
        // prepared once per connection, the server parses and plans each once instead of at every execution (the
        // peer benchmark on PostgreSQL). A connection string that sets Max Auto Prepare keeps its own value.
        if (!options.ConnectionString!.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder.Build();
    }

    /// <summary>The configured connection string with the CA file and an application name (unless it names one).</summary>
    public static string ConnectionString(StoreOptions options, string applicationName)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        if (!string.IsNullOrWhiteSpace(options.CaFile))
        {
            // Npgsql reads every certificate of the PEM file (the RDS bundles hold one per region and rotation).
            builder.RootCertificate = options.CaFile;
        }

        if (string.IsNullOrWhiteSpace(builder.ApplicationName))
        {
            builder.ApplicationName = applicationName;
        }

        return builder.ConnectionString;
    }
}
