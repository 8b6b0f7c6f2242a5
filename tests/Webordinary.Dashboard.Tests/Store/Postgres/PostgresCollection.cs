using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>One PostgreSQL server for the test classes of this collection; each test takes a database of its own.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<SharedPostgres>
{
    public const string Name = "PostgreSQL";
}

public sealed class SharedPostgres : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
