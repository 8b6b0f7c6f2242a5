using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Postgres;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>A database of its own on the shared test server for one contract test, reached through the provider's registration.</summary>
public sealed class PostgresTestDatabase(SharedPostgres postgres)
{
    private string _name = "";

    public string ConnectionString { get; private set; } = "";

    public async Task CreateAsync()
    {
        _name = $"contract_{Guid.NewGuid():N}";
        ConnectionString = await postgres.Server.CreateDatabaseAsync(_name);
    }

    /// <summary>The provider as the host registers it, configured by <c>Store:Provider</c> and <c>Store:ConnectionString</c>.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Provider"] = StoreOptions.Postgres,
            ["Store:ConnectionString"] = ConnectionString,
        }).Build());
        services.AddPostgresStore();
    }

    public async Task DropAsync()
    {
        if (!postgres.Server.IsRunning)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(postgres.Server.ConnectionString() + ";Pooling=false");
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresResultsStoreContract(SharedPostgres postgres) : ResultsStoreContract
{
    private readonly PostgresTestDatabase _database = new(postgres);

    protected override Task CreateStoreAsync() => _database.CreateAsync();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresIncidentStoreContract(SharedPostgres postgres) : IncidentStoreContract
{
    private readonly PostgresTestDatabase _database = new(postgres);

    protected override Task CreateStoreAsync() => _database.CreateAsync();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresNotificationOutboxContract(SharedPostgres postgres) : NotificationOutboxContract
{
    private readonly PostgresTestDatabase _database = new(postgres);

    protected override Task CreateStoreAsync() => _database.CreateAsync();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSmallStoresContract(SharedPostgres postgres) : SmallStoresContract
{
    private readonly PostgresTestDatabase _database = new(postgres);

    protected override Task CreateStoreAsync() => _database.CreateAsync();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresHistoryStoreContract(SharedPostgres postgres) : History.HistoryStoreContract
{
    private readonly PostgresTestDatabase _database = new(postgres);

    protected override Task CreateStoreAsync() => _database.CreateAsync();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();

    /// <summary>This test's database taken back to before the uptime script (its columns dropped, its journal entry gone), filled, and opened again.</summary>
    protected override async Task<IServiceProvider> OpenUpgradedFromBeforeUptimeTimeAsync(string oldRows)
    {
        await using (var connection = new NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var downgrade = new NpgsqlCommand(
                "ALTER TABLE rollups DROP COLUMN up_ms, DROP COLUMN down_ms, DROP COLUMN excluded_ms, DROP COLUMN covered_from;"
                + "DELETE FROM schemaversions WHERE scriptname LIKE '%.0003_uptime_seconds.sql';" + oldRows, connection);
            await downgrade.ExecuteNonQueryAsync();
        }

        return await OpenAsync();
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSignInStoreContract(SharedPostgres postgres) : SignInStoreContract
{
    private readonly PostgresTestDatabase _database = new(postgres);

    protected override Task CreateStoreAsync() => _database.CreateAsync();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterClaimsContract(SharedPostgres postgres) : ClusterClaimsContract
{
    private readonly PostgresTestDatabase _database = new(postgres);

    protected override Task CreateStoreAsync() => _database.CreateAsync();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}
