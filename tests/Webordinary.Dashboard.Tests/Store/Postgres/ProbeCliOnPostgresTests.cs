using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Webordinary.Dashboard.Cli;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>
/// <c>probe run --store</c> with <c>Store:Provider=Postgres</c>: the runs and their steps go to the configured PostgreSQL
/// database, and nothing else of the command-line run (its incidents, its audit) does; bad store settings exit 2.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ProbeCliOnPostgresTests(SharedPostgres postgres) : IAsyncLifetime
{
    private readonly PostgresTestDatabase _database = new(postgres);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("cli-postgres-").FullName;

    [Fact]
    public async Task Store_writes_the_runs_with_their_steps_to_the_postgres_database_and_nothing_to_the_data_directory()
    {
        var settings = Settings();

        var (exit, output, error) = await RunAsync(settings, "probe", "run", "ecs", "--store");

        Assert.True(exit == ProbeCli.Passed, $"exit {exit}: {output}{error}");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<HistoryOptions>();
        _database.AddTo(services);
        await using var store = services.BuildServiceProvider();
        await store.GetRequiredService<IStore>().MigrateAsync(CancellationToken.None);
        var run = Assert.Single(await store.GetRequiredService<IResultsStore>().GetRunsAsync("ecs", 10, null, CancellationToken.None));
        Assert.Equal((RunTrigger.Cli, ProbeOutcome.Pass), (run.Trigger, run.Outcome));
        Assert.NotEmpty(run.Steps);
        Assert.Empty(await store.GetRequiredService<IIncidentStore>().ListAsync(null, openOnly: false, 10, CancellationToken.None));
        Assert.Empty(await store.GetRequiredService<IAuditStore>().ListAsync(new AuditQuery(), CancellationToken.None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dataDirectory));
    }

    [Theory]
    [InlineData("Store:ConnectionString", null, "Store:ConnectionString: required")]
    [InlineData("Store:ConnectionString", "Host=", "Store:ConnectionString: names no Host")]
    [InlineData("Store:Provider", "Oracle", "Store:Provider is 'Oracle', not a store provider")]
    public async Task Bad_store_settings_with_store_exit_2_naming_the_key(string key, string? value, string expected)
    {
        var settings = Settings();
        settings[key] = value;

        var (exit, _, error) = await RunAsync(settings, "probe", "run", "ecs", "--store");

        Assert.True(exit == ProbeCli.BadUsage, $"exit {exit}: {error}");
        Assert.Contains(expected, error);
    }

    public Task InitializeAsync() => _database.CreateAsync();

    public async Task DisposeAsync()
    {
        await _database.DropAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private Dictionary<string, string?> Settings()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        settings["Dashboard:DataDirectory"] = _dataDirectory;
        settings["Store:Provider"] = StoreOptions.Postgres;
        settings["Store:ConnectionString"] = _database.ConnectionString;
        return settings;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await ProbeCli.RunAsync(args, output, error, configuration =>
        {
            configuration.Sources.Clear();
            configuration.AddInMemoryCollection(settings);
        });
        return (exit, output.ToString(), error.ToString());
    }
}
