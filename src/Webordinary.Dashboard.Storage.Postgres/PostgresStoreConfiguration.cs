using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>Reads the <c>Store</c> section for PostgreSQL and checks it before anything connects.</summary>
public static class PostgresStoreConfiguration
{
    public const string ConnectionStringSetting = $"{StoreOptions.SectionName}:ConnectionString";
    public const string FallbackConnectionStringSetting = "ConnectionStrings:Dashboard";
    public const string CaFileSetting = $"{StoreOptions.SectionName}:CaFile";

    /// <summary>The key the connection string came from, for messages that name it.</summary>
    public static string ConnectionStringKey(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration[ConnectionStringSetting]) && !string.IsNullOrWhiteSpace(configuration[FallbackConnectionStringSetting])
            ? FallbackConnectionStringSetting
            : ConnectionStringSetting;

    /// <summary>Binds the section, taking <c>ConnectionStrings:Dashboard</c> when <c>Store:ConnectionString</c> is not set.</summary>
    public static void Bind(IConfiguration configuration, StoreOptions options)
    {
        configuration.GetSection(StoreOptions.SectionName).Bind(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            options.ConnectionString = configuration[FallbackConnectionStringSetting];
        }
    }

    /// <summary>
    /// What is wrong with the settings for PostgreSQL, each naming its key; none when the provider is SQLite. The
    /// connection string's text is never repeated (it may hold a password); Npgsql's reason is.
    /// </summary>
    public static IReadOnlyList<string> Problems(StoreOptions options, IConfiguration configuration)
    {
        if (!options.IsPostgres)
        {
            return [];
        }

        var key = ConnectionStringKey(configuration);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add($"{ConnectionStringSetting}: required when {StoreOptions.SectionName}:Provider is Postgres "
                + $"(Npgsql syntax, e.g. Host=db.example.com;Database=dashboard;Username=dashboard;SSL Mode=VerifyFull; or set {FallbackConnectionStringSetting}).");
        }
        else
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    problems.Add($"{key}: names no Host (the PostgreSQL server to connect to).");
                }
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                problems.Add($"{key}: not a valid Npgsql connection string: {exception.Message}");
            }
        }

        if (options.CheckinInterval < StoreOptions.MinCheckinInterval || options.CheckinInterval > StoreOptions.MaxCheckinInterval)
        {
            problems.Add($"{StoreOptions.SectionName}:{nameof(StoreOptions.CheckinInterval)}: must be between {StoreOptions.MinCheckinInterval} and {StoreOptions.MaxCheckinInterval}; got {options.CheckinInterval}.");
        }

        if (!string.IsNullOrWhiteSpace(options.CaFile) && !File.Exists(options.CaFile))
        {
            problems.Add($"{CaFileSetting}: '{options.CaFile}' does not exist (a PEM bundle of certificate authorities, e.g. the RDS global-bundle.pem).");
        }

        return problems;
    }
}

/// <summary>Refuses PostgreSQL settings that cannot work, at start (the host's configuration errors: exit 2, the key named).</summary>
internal sealed class PostgresStoreOptionsValidator(IConfiguration configuration) : IValidateOptions<StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreOptions options) =>
        PostgresStoreConfiguration.Problems(options, configuration) is { Count: > 0 } problems
            ? ValidateOptionsResult.Fail(problems)
            : ValidateOptionsResult.Success;
}
