using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Postgres;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>The <c>Store</c> settings for PostgreSQL: a value that cannot work is refused at start, naming its key.</summary>
public sealed class PostgresStoreOptionsTests
{
    [Theory]
    [InlineData("Store:ConnectionString", "Host=db.example;Database=dashboard;Colour=blue", "Store:ConnectionString: not a valid Npgsql connection string")]
    [InlineData("Store:ConnectionString", "Host=db.example;SSL Mode=Sometimes", "Store:ConnectionString: not a valid Npgsql connection string")]
    [InlineData("Store:ConnectionString", "Host=db.example;Port=eighty", "Store:ConnectionString: not a valid Npgsql connection string")]
    [InlineData("Store:ConnectionString", "just some words", "Store:ConnectionString: not a valid Npgsql connection string")]
    [InlineData("Store:ConnectionString", "Database=dashboard;Username=dashboard", "Store:ConnectionString: names no Host")]
    [InlineData("ConnectionStrings:Dashboard", "Host=db.example;SSL Mode=Sometimes", "ConnectionStrings:Dashboard: not a valid Npgsql connection string")]
    [InlineData("Store:CaFile", "/nowhere/global-bundle.pem", "Store:CaFile: '/nowhere/global-bundle.pem' does not exist")]
    [InlineData("Store:Provider", "Postgres", "Store:ConnectionString: required when Store:Provider is Postgres")]
    [InlineData("Store:CheckinInterval", "00:00:00.500", "Store:CheckinInterval: must be between 00:00:01 and 00:01:00")]
    [InlineData("Store:CheckinInterval", "00:05:00", "Store:CheckinInterval: must be between 00:00:01 and 00:01:00")]
    public void A_setting_that_cannot_work_stops_the_start_naming_its_key(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Store:Provider"] = "Postgres", [key] = value };
        if (key == "Store:CaFile")
        {
            settings["Store:ConnectionString"] = "Host=db.example;SSL Mode=VerifyFull";
        }

        var refused = Assert.ThrowsAny<Exception>(() => ResolveOptions(settings));

        // The host's configuration errors (exit 2) recognise it and name the key.
        var message = ConfigurationErrors.Describe(refused);
        Assert.NotNull(message);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_connection_string_is_not_repeated_in_the_message()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => ResolveOptions(new()
        {
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = "Host=db.example;Password=hunter2-secret;SSL Mode=Sometimes",
        }));

        Assert.DoesNotContain("hunter2-secret", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqlite_needs_no_connection_string()
    {
        var options = ResolveOptions(new() { ["Store:ConnectionString"] = "not checked" });

        Assert.Equal(StoreOptions.Sqlite, options.Provider);
    }

    [Fact]
    public void ConnectionStrings_Dashboard_is_taken_when_Store_ConnectionString_is_not_set()
    {
        var options = ResolveOptions(new()
        {
            ["Store:Provider"] = "Postgres",
            ["ConnectionStrings:Dashboard"] = "Host=fallback.example;Database=dashboard",
        });

        Assert.Equal("fallback.example", new NpgsqlConnectionStringBuilder(options.ConnectionString).Host);
    }

    [Fact]
    public void Store_ConnectionString_wins_over_ConnectionStrings_Dashboard()
    {
        var options = ResolveOptions(new()
        {
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = "Host=store.example;Database=dashboard",
            ["ConnectionStrings:Dashboard"] = "Host=fallback.example;Database=dashboard",
        });

        Assert.Equal("store.example", new NpgsqlConnectionStringBuilder(options.ConnectionString).Host);
    }

    [Fact]
    public void The_data_source_verifies_against_the_CA_file_and_names_the_dashboard()
    {
        var caFile = Path.GetTempFileName();
        try
        {
            using var provider = Services(new()
            {
                ["Store:Provider"] = "Postgres",
                ["Store:ConnectionString"] = "Host=db.example;Database=dashboard;SSL Mode=VerifyFull",
                ["Store:CaFile"] = caFile,
            });

            var connectionString = new NpgsqlConnectionStringBuilder(provider.GetRequiredService<NpgsqlDataSource>().ConnectionString);

            Assert.Equal(caFile, connectionString.RootCertificate);
            Assert.Equal(SslMode.VerifyFull, connectionString.SslMode);
            Assert.Equal(PostgresDataSource.ApplicationName, connectionString.ApplicationName);
        }
        finally
        {
            File.Delete(caFile);
        }
    }

    private static StoreOptions ResolveOptions(Dictionary<string, string?> settings)
    {
        using var provider = Services(settings);
        return provider.GetRequiredService<IOptions<StoreOptions>>().Value;
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddPostgresStore();
        return services.BuildServiceProvider();
    }
}
