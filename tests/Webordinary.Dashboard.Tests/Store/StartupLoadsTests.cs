using Microsoft.Extensions.Logging.Abstractions;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>What start-up reads from the store waits, in order, while the store is unavailable, and is loaded once it answers.</summary>
public sealed class StartupLoadsTests
{
    [Fact]
    public async Task A_load_the_store_cannot_answer_waits_with_those_after_it_and_all_run_in_order_once_it_answers()
    {
        var store = new FakeStore();
        var loads = new StartupLoads(store, NullLogger<StartupLoads>.Instance);
        var ran = new List<string>();
        var reachable = false;

        await loads.LoadAsync("open incidents", _ => reachable ? Record(ran, "open incidents") : throw new StoreUnavailableException(), CancellationToken.None);
        await loads.LoadAsync("API keys", _ => Record(ran, "API keys"), CancellationToken.None);

        Assert.Equal(["open incidents", "API keys"], loads.Waiting);
        Assert.False(loads.IsLoaded("open incidents"));
        Assert.False(loads.IsLoaded("API keys"));
        Assert.Empty(ran);
        Assert.False(await loads.RetryAsync(CancellationToken.None));

        reachable = true;
        Assert.True(await loads.RetryAsync(CancellationToken.None));

        Assert.Empty(loads.Waiting);
        Assert.True(loads.IsLoaded("open incidents"));
        Assert.True(loads.IsLoaded("API keys"));
        Assert.Equal(["open incidents", "API keys"], ran);
        Assert.True(await loads.RetryAsync(CancellationToken.None));
        Assert.Equal(2, ran.Count);
    }

    [Fact]
    public async Task A_load_that_fails_for_another_reason_than_the_store_fails_the_start()
    {
        var loads = new StartupLoads(new FakeStore(), NullLogger<StartupLoads>.Instance);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            loads.LoadAsync("maintenance windows", _ => throw new InvalidOperationException("a bug"), CancellationToken.None));
    }

    private static Task Record(List<string> ran, string what)
    {
        ran.Add(what);
        return Task.CompletedTask;
    }

    private sealed class StoreUnavailableException : Exception;

    private sealed class FakeStore : IStore
    {
        public string Location => "fake";

        public StoreHealth Health => StoreHealth.Ok;

        public event Action<StoreHealth>? HealthChanged { add { } remove { } }

        public Task MigrateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> FlushAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public bool IsUnavailable(Exception exception) => exception is StoreUnavailableException;
    }
}
