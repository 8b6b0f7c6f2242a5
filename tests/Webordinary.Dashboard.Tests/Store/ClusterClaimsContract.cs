using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>What one instance claims in the store so that another does not do it too: the run-now cooldown and the scale change in flight.</summary>
public abstract class ClusterClaimsContract : StoreContract
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_run_now_claims_the_probes_cooldown_for_every_process_until_it_has_passed()
    {
        var a = Get<IRunNowCooldowns>();
        var b = (await OpenAsync()).GetRequiredService<IRunNowCooldowns>();

        Assert.Null(await a.TryClaimAsync("ecs", At, Cooldown, CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(6), await b.TryClaimAsync("ecs", At.AddSeconds(4), Cooldown, CancellationToken.None));
        // Another probe has a cooldown of its own.
        Assert.Null(await b.TryClaimAsync("alb", At.AddSeconds(4), Cooldown, CancellationToken.None));
        Assert.Equal(TimeSpan.FromMilliseconds(1), await a.TryClaimAsync("ecs", At.AddMilliseconds(9_999), Cooldown, CancellationToken.None));
        Assert.Null(await b.TryClaimAsync("ecs", At.Add(Cooldown), Cooldown, CancellationToken.None));
        // The claim made at the end of the first cooldown starts the next one.
        Assert.Equal(Cooldown - TimeSpan.FromSeconds(1), await a.TryClaimAsync("ecs", At.Add(Cooldown).AddSeconds(1), Cooldown, CancellationToken.None));
    }

    [Fact]
    public async Task Of_many_claims_at_once_one_gets_the_cooldown()
    {
        var processes = new[] { Get<IRunNowCooldowns>(), (await OpenAsync()).GetRequiredService<IRunNowCooldowns>() };

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => processes[i % 2].TryClaimAsync("ecs", At, Cooldown, CancellationToken.None)));

        Assert.Single(results, r => r is null);
    }

    [Fact]
    public async Task A_service_has_one_scale_claim_a_second_is_told_who_holds_it_and_a_stale_one_is_taken_over()
    {
        var a = Get<IScaleClaims>();
        var b = (await OpenAsync()).GetRequiredService<IScaleClaims>();
        var first = new ScaleClaim("hermes", "audit-1", "sub-1", "alice", ScaleReason.Manual, 2, At, "instance-a");
        var second = new ScaleClaim("hermes", "audit-2", "schedule:night", "night", ScaleReason.Schedule, 0, At.AddSeconds(5), "instance-b");

        Assert.Null(await a.TryClaimAsync(first, At.AddMinutes(-11), CancellationToken.None));
        Assert.Equal(first, await b.TryClaimAsync(second, At.AddMinutes(-11), CancellationToken.None));
        Assert.Null(await b.TryClaimAsync(second with { Service = "worker" }, At.AddMinutes(-11), CancellationToken.None));

        // Releasing another change's claim leaves this one; releasing its own frees the service.
        await b.ReleaseAsync("hermes", "audit-2", CancellationToken.None);
        Assert.Equal(first, await b.TryClaimAsync(second, At.AddMinutes(-11), CancellationToken.None));
        await a.ReleaseAsync("hermes", "audit-1", CancellationToken.None);
        Assert.Null(await b.TryClaimAsync(second, At.AddMinutes(-11), CancellationToken.None));

        // A claim older than the stale limit (its instance died mid-rollout) is taken over.
        var later = first with { AuditId = "audit-3", StartedAt = At.AddMinutes(20) };
        Assert.Null(await a.TryClaimAsync(later, At.AddMinutes(9), CancellationToken.None));
        Assert.Equal(later, await b.TryClaimAsync(second, At.AddMinutes(9), CancellationToken.None));
    }
}

public sealed class SqliteClusterClaimsContract : ClusterClaimsContract
{
    private readonly SqliteTestDatabase _database = new();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}
