using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Tests.Store;

/// <summary>The audit log, schedule pauses, ad hoc maintenance windows and API keys' records, kept across restarts.</summary>
public abstract class SmallStoresContract : StoreContract
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    [Fact]
    public async Task Audit_entries_list_newest_first_by_filter_and_a_scale_is_completed_or_closed_as_interrupted()
    {
        var audit = Get<IAuditStore>();
        var alice = new Actor("sub-1", "alice@example.com", "cookie");
        await audit.AddAsync(new AuditEntry("a1", At, alice, AuditAction.RunNow, "ecs", AuditOutcomes.Done, null), CancellationToken.None);
        await audit.AddAsync(new AuditEntry("a2", At.AddSeconds(1), alice, AuditAction.Scale, "hermes", nameof(ScaleOutcome.InProgress), "to 2",
            new ScaleChange(0, 2, ScaleReason.Manual)), CancellationToken.None);
        await audit.AddAsync(new AuditEntry("a3", At.AddSeconds(2), Actor.Schedule("night"), AuditAction.Scale, "worker", nameof(ScaleOutcome.InProgress), null,
            new ScaleChange(3, 0, ScaleReason.Schedule)), CancellationToken.None);
        await audit.CompleteScaleAsync("a2", ScaleOutcome.Completed, null, At.AddSeconds(40), 39_000, CancellationToken.None);
        await audit.CloseInterruptedScalesAsync("stopped", At.AddMinutes(1), CancellationToken.None);

        Assert.Equal(["a3", "a2", "a1"], (await audit.ListAsync(new AuditQuery(), CancellationToken.None)).Select(e => e.Id));
        Assert.Equal(["a2", "a1"], (await audit.ListAsync(new AuditQuery(Actor: "alice@example.com"), CancellationToken.None)).Select(e => e.Id));
        var scales = (await audit.ListAsync(new AuditQuery(Action: AuditAction.Scale), CancellationToken.None)).ToDictionary(e => e.Id);
        Assert.Equal((nameof(ScaleOutcome.Completed), "to 2", new ScaleChange(0, 2, ScaleReason.Manual, At.AddSeconds(40), 39_000)),
            (scales["a2"].Outcome, scales["a2"].Message, scales["a2"].Scale));
        Assert.Equal(("Interrupted", "stopped", (DateTimeOffset?)At.AddMinutes(1)), (scales["a3"].Outcome, scales["a3"].Message, scales["a3"].Scale!.CompletedAt));
        Assert.Equal(Actor.Schedule("night"), scales["a3"].Actor);
    }

    [Fact]
    public async Task Schedule_pauses_survive_a_restart()
    {
        await Get<ISchedulePauses>().SetAsync("night", paused: true, CancellationToken.None);
        await Get<ISchedulePauses>().SetAsync("weekend", paused: true, CancellationToken.None);
        await Get<ISchedulePauses>().SetAsync("night", paused: true, CancellationToken.None);
        await Get<ISchedulePauses>().SetAsync("weekend", paused: false, CancellationToken.None);

        var restarted = (await OpenAsync()).GetRequiredService<ISchedulePauses>();

        Assert.Equal(["night"], (await restarted.ListAsync(CancellationToken.None)).ToArray());
    }

    [Fact]
    public async Task Maintenance_windows_open_now_or_later_are_listed_with_their_scope_and_an_ended_one_is_not()
    {
        var store = Get<IMaintenanceWindowStore>();
        var scoped = new StoredMaintenanceWindow("adhoc-1", At, "alice", At.AddHours(1), At.AddHours(2), "upgrade", ["hermes", "ecs"], ["Alb"]);
        var global = new StoredMaintenanceWindow("adhoc-2", At, "bob", At, At.AddHours(3), "freeze", [], []);
        var over = new StoredMaintenanceWindow("adhoc-3", At.AddHours(-3), "bob", At.AddHours(-2), At.AddHours(-1), "past", [], []);
        foreach (var window in new[] { scoped, global, over })
        {
            await store.AddAsync(window, CancellationToken.None);
        }

        await store.EndAsync("adhoc-2", At.AddMinutes(5), "carol", CancellationToken.None);
        var open = await (await OpenAsync()).GetRequiredService<IMaintenanceWindowStore>().ListOpenAsync(At, CancellationToken.None);

        var listed = Assert.Single(open);
        Assert.Equal((scoped.Id, scoped.CreatedAt, scoped.Actor, scoped.StartsAt, scoped.EndsAt, scoped.Reason),
            (listed.Id, listed.CreatedAt, listed.Actor, listed.StartsAt, listed.EndsAt, listed.Reason));
        Assert.Equal(["hermes", "ecs"], listed.Probes);
        Assert.Equal(["Alb"], listed.Components);
    }

    [Fact]
    public async Task Api_keys_from_configuration_are_synced_and_a_key_taken_out_is_revoked_and_one_with_a_new_hash_is_a_new_key()
    {
        var keys = Get<IApiKeyRecords>();
        await keys.SyncConfiguredAsync([new("ci", "aa", "Operator"), new("wall", "bb", "Viewer")], At, CancellationToken.None);
        await keys.AddAsync(new StoredApiKey("bot", "dashboard", "cc", "Viewer", At, "alice (cookie)", null, null, null), CancellationToken.None);
        await keys.RevokeAsync("ci", At.AddMinutes(1), "alice (cookie)", CancellationToken.None);
        await keys.RecordUseAsync("bot", At.AddMinutes(2), CancellationToken.None);

        await keys.SyncConfiguredAsync([new("ci", "dd", "Admin")], At.AddMinutes(3), CancellationToken.None);
        var stored = (await (await OpenAsync()).GetRequiredService<IApiKeyRecords>().ListAsync(CancellationToken.None)).ToDictionary(k => k.Name);

        Assert.Equal(("dd", "Admin", (DateTimeOffset?)null), (stored["ci"].Sha256, stored["ci"].Role, stored["ci"].RevokedAt));
        Assert.Equal((At.AddMinutes(3), "configuration"), (stored["wall"].RevokedAt!.Value, stored["wall"].RevokedBy));
        Assert.Equal(new StoredApiKey("bot", "dashboard", "cc", "Viewer", At, "alice (cookie)", null, null, At.AddMinutes(2)), stored["bot"]);
    }
}

public sealed class SqliteSmallStoresContract : SmallStoresContract
{
    private readonly SqliteTestDatabase _database = new();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();
}
