using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>
/// A port's contract, for every engine: each test gets a fresh database of the engine a subclass names, reached through
/// the ports only (the services its provider registers), and can open it again as a restarted process would.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    private readonly List<ServiceProvider> _processes = [];

    /// <summary>The clock the stores are given.</summary>
    protected virtual TimeProvider Clock => TimeProvider.System;

    /// <summary>The store of the test's first process.</summary>
    protected IServiceProvider Store { get; private set; } = null!;

    protected T Get<T>() where T : notnull => Store.GetRequiredService<T>();

    /// <summary>What the test registers before the provider (the provider's own defaults give way to it).</summary>
    protected virtual void AddServices(IServiceCollection services)
    {
    }

    /// <summary>Registers the engine's provider on this test's database.</summary>
    protected abstract void AddStore(IServiceCollection services);

    /// <summary>Makes this test's database, before the first process opens it (a server's database is made ahead; a file needs nothing).</summary>
    protected virtual Task CreateStoreAsync() => Task.CompletedTask;

    /// <summary>Removes this test's database.</summary>
    protected abstract Task DropStoreAsync();

    /// <summary>Another process on the same database (a restart): its own services, its schema migrated.</summary>
    protected async Task<IServiceProvider> OpenAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Clock);
        services.AddOptions<HistoryOptions>();
        AddServices(services);
        AddStore(services);
        var process = services.BuildServiceProvider();
        _processes.Add(process);
        await process.GetRequiredService<IStore>().MigrateAsync(CancellationToken.None);
        return process;
    }

    public async Task InitializeAsync()
    {
        await CreateStoreAsync();
        Store = await OpenAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await DropStoreAsync();
    }
}

/// <summary>A throw-away SQLite file for one contract test.</summary>
public sealed class SqliteTestDatabase
{
    private readonly string _directory = Directory.CreateTempSubdirectory("store-contract-").FullName;

    public string Path => System.IO.Path.Combine(_directory, SqliteDatabase.FileName);

    public void AddTo(IServiceCollection services) => services.AddSqliteStore(_ => Path);

    public Task DropAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}
