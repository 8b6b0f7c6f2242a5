using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;
using Webordinary.Dashboard.Tests.Store;

namespace Webordinary.Dashboard.Tests.History;

/// <summary>Rollups against hand-computed aggregates, retention, resumable compaction, uptime windows at their edges: every engine.</summary>
public abstract class HistoryStoreContract : StoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    protected ManualTime Time { get; } = new(T0);

    protected override TimeProvider Clock => Time;

    protected IResultsStore Results => Get<IResultsStore>();

    protected IHistoryStore History() => Get<IHistoryStore>();

    protected IHistoryCompaction Compaction() => Get<IHistoryCompaction>();

    /// <summary>"flow" runs every minute with a 20 s timeout: a run's outcome holds 80 s at most; other probes get the default cap.</summary>
    protected override void AddServices(IServiceCollection services) =>
        services.AddSingleton(new UptimeSpanLimits(new Dictionary<string, TimeSpan> { ["flow"] = TimeSpan.FromSeconds(80) }));

    [Fact]
    public async Task Uptime_of_four_minutes_up_then_one_minute_down_rechecked_every_15_s_is_80_percent_of_the_time_not_half_the_runs()
    {
        await Results.InitializeAsync(CancellationToken.None);
        var start = T0.AddHours(10);
        for (var minute = 0; minute < 4; minute++)
        {
            await AddAsync("flow", start.AddMinutes(minute), 10, ProbeOutcome.Pass, 1);
        }

        // The failure, then its rechecks every 15 s until it passes again.
        for (var recheck = 0; recheck < 4; recheck++)
        {
            await AddAsync("flow", start.AddMinutes(4).AddSeconds(15 * recheck), 10, ProbeOutcome.Fail, 1);
        }

        await AddAsync("flow", start.AddMinutes(5), 10, ProbeOutcome.Pass, 1);
        Time.Now = start.AddMinutes(5);

        var fromRaw = (await History().GetUptimeAsync("flow", CancellationToken.None)).ToDictionary(w => w.Window);

        Assert.Equal(0.8, fromRaw["24h"].Uptime!.Value, 2);
        // By runs it would be 5 of 9.
        Assert.Equal((9, 4), (fromRaw["24h"].Runs, fromRaw["24h"].Failed));
        Assert.Equal((300.0, start), (fromRaw["24h"].CoveredSeconds, fromRaw["24h"].Since));
        Assert.True(fromRaw["365d"].IsPartial);
        Assert.Equal(0.8, (await History().GetUptimeAsync(null, CancellationToken.None))[0].Uptime!.Value, 2);

        // Rolled up, the hour holds the same time, and the windows say the same.
        Time.Now = start.AddHours(3);
        await Compaction().CompactAsync(CancellationToken.None);
        var hour = Assert.Single(await History().GetRollupsAsync("flow", RollupResolution.Hour, T0, Time.Now, CancellationToken.None));
        var fromRollups = (await History().GetUptimeAsync("flow", CancellationToken.None)).Single(w => w.Window == "24h");

        // The last pass holds its 80 s cap once nothing follows it.
        Assert.Equal((320_000L, 60_000L, start), (hour.UpMs, hour.DownMs, hour.CoveredFrom));
        Assert.Equal((320_000L / 380_000.0, 380.0, start), (fromRollups.Uptime!.Value, fromRollups.CoveredSeconds, fromRollups.Since));
    }

    [Fact]
    public async Task Parked_maintenance_and_interrupted_time_is_left_out_of_uptime_and_kept_apart_in_the_rollups()
    {
        await Results.InitializeAsync(CancellationToken.None);
        var start = T0.AddHours(10);
        await AddAsync("flow", start, 10, ProbeOutcome.Pass, 1);
        await AddAsync("flow", start.AddMinutes(1), 10, ProbeOutcome.Parked, 1);
        await AddAsync("flow", start.AddMinutes(2), 10, ProbeOutcome.Maintenance, 1);
        await AddAsync("flow", start.AddMinutes(3), 10, ProbeOutcome.Fail, 1, maintenanceWindow: "dynamodb-upgrade");
        await AddAsync("flow", start.AddMinutes(4), 10, ProbeOutcome.Interrupted, 1);
        await AddAsync("flow", start.AddMinutes(5), 10, ProbeOutcome.Fail, 1);
        await AddAsync("flow", start.AddMinutes(6), 10, ProbeOutcome.Pass, 1);
        Time.Now = start.AddMinutes(6);

        var window = (await History().GetUptimeAsync("flow", CancellationToken.None))[0];
        Time.Now = start.AddHours(3);
        await Compaction().CompactAsync(CancellationToken.None);
        var hour = Assert.Single(await History().GetRollupsAsync("flow", RollupResolution.Hour, T0, Time.Now, CancellationToken.None));

        // One minute up, one down; four excluded, though the run in the window failed.
        Assert.Equal((0.5, 120.0), (window.Uptime!.Value, window.CoveredSeconds));
        Assert.Equal((1, 1, 2, 1), (window.Failed, window.Parked, window.Maintenance, window.Interrupted));
        Assert.Equal((60_000L + 80_000L, 60_000L, 240_000L), (hour.UpMs, hour.DownMs, hour.ExcludedMs));
    }

    [Fact]
    public async Task Hourly_and_daily_rollups_match_hand_computed_aggregates()
    {
        await Results.InitializeAsync(CancellationToken.None);
        // Hour 0: durations 10, 20, 30, 40 (Pass, Pass, Degraded, Fail) and a Parked run of 5 ms; step "A" 1,2,3,4,5.
        await AddAsync("p", T0.AddMinutes(1), 10, ProbeOutcome.Pass, 1);
        await AddAsync("p", T0.AddMinutes(2), 20, ProbeOutcome.Pass, 2);
        await AddAsync("p", T0.AddMinutes(3), 30, ProbeOutcome.Degraded, 3);
        await AddAsync("p", T0.AddMinutes(4), 40, ProbeOutcome.Fail, 4);
        await AddAsync("p", T0.AddMinutes(5), 5, ProbeOutcome.Parked, 5);
        // Hour 1: one run; another probe in hour 0.
        await AddAsync("p", T0.AddHours(1).AddMinutes(30), 100, ProbeOutcome.Pass, 10);
        await AddAsync("q", T0.AddMinutes(10), 7, ProbeOutcome.Pass, 7);
        Time.Now = T0.AddDays(2);

        var result = await Compaction().CompactAsync(CancellationToken.None);
        var hours = await History().GetRollupsAsync("p", RollupResolution.Hour, T0, T0.AddDays(1), CancellationToken.None);
        var days = await History().GetRollupsAsync("p", RollupResolution.Day, T0, T0.AddDays(1), CancellationToken.None);

        Assert.Equal((2, 1), (result.HoursRolledUp, result.DaysRolledUp));
        var h0 = hours[0];
        Assert.Equal((T0, 5, 2, 1, 1, 1), (h0.BucketStart, h0.Runs, h0.Passes, h0.Degraded, h0.Fails, h0.Parked));
        // Nearest rank over 5, 10, 20, 30, 40: p50 = 3rd = 20, p95 = 5th = 40.
        Assert.Equal((20.0, 40.0, 40.0), (h0.P50Ms!.Value, h0.P95Ms!.Value, h0.MaxMs!.Value));
        Assert.Equal(3_600_000.0 / 5, h0.ParkedMs);
        Assert.Equal(new StepStats(3, 5), h0.Steps!["A"]);
        // Run metrics (the cold-start split) get p50/p95 per bucket too: 1, 2, 3, 4, 5 → 3 and 5.
        Assert.Equal(new StepStats(3, 5), h0.Metrics!["firstResponseMs"]);
        Assert.Equal((T0.AddHours(1), 1, 100.0), (hours[1].BucketStart, hours[1].Runs, hours[1].P50Ms!.Value));
        var day = Assert.Single(days);
        // The day over all six runs of p: 5, 10, 20, 30, 40, 100 → p50 = 3rd = 20, p95 = 6th = 100.
        Assert.Equal((6, 3, 1, 1, 1, 20.0, 100.0), (day.Runs, day.Passes, day.Degraded, day.Fails, day.Parked, day.P50Ms!.Value, day.P95Ms!.Value));
        Assert.Equal(86_400_000.0 / 6, day.ParkedMs);
        Assert.Equal(1, (await History().GetRollupsAsync("q", RollupResolution.Hour, T0, T0.AddDays(1), CancellationToken.None)).Single().Runs);
    }

    [Fact]
    public async Task Retention_deletes_raw_runs_after_they_are_rolled_up_and_hourly_rollups_after_90_days_and_keeps_daily()
    {
        await Results.InitializeAsync(CancellationToken.None);
        await AddAsync("p", T0.AddHours(1), 10, ProbeOutcome.Pass, 1);
        await AddAsync("p", T0.AddDays(10), 10, ProbeOutcome.Fail, 1);
        await AddAsync("p", T0.AddDays(20), 10, ProbeOutcome.Pass, 1);

        // Day 20 + 12 h: raw older than day 6 (20.5 − 14, to the day) goes; days 10 and 20 stay.
        Time.Now = T0.AddDays(20).AddHours(12);
        var first = await Compaction().CompactAsync(CancellationToken.None);
        var raw = await Results.GetRunsAsync("p", 10, null, CancellationToken.None);

        Assert.Equal(1, first.RawRunsDeleted);
        Assert.Equal([T0.AddDays(20), T0.AddDays(10)], raw.Select(r => r.StartedAt));
        Assert.Single(await History().GetRollupsAsync("p", RollupResolution.Hour, T0, T0.AddDays(1), CancellationToken.None));

        Time.Now = T0.AddDays(100).AddHours(12);
        var second = await Compaction().CompactAsync(CancellationToken.None);

        Assert.Empty(await History().GetRollupsAsync("p", RollupResolution.Hour, T0, T0.AddDays(10), CancellationToken.None));
        Assert.Single(await History().GetRollupsAsync("p", RollupResolution.Hour, T0.AddDays(20), T0.AddDays(21), CancellationToken.None));
        Assert.Equal(3, (await History().GetRollupsAsync("p", RollupResolution.Day, T0, T0.AddDays(100), CancellationToken.None)).Sum(d => d.Runs));
        Assert.Equal(2, second.RawRunsDeleted);
        Assert.Equal(1, second.HourlyRowsDeleted);
    }

    [Fact]
    public async Task Uptime_windows_count_from_their_first_millisecond_and_leave_parked_time_out()
    {
        await Results.InitializeAsync(CancellationToken.None);
        var now = T0.AddDays(3);
        Time.Now = now;
        await AddAsync("p", now.AddHours(-24), 10, ProbeOutcome.Fail, 1);                        // exactly at the 24 h edge: in
        await AddAsync("p", now.AddHours(-24).AddMilliseconds(-1), 10, ProbeOutcome.Fail, 1);   // 1 ms older: only in 7 d
        await AddAsync("p", now.AddHours(-1), 10, ProbeOutcome.Pass, 1);
        await AddAsync("p", now.AddHours(-2), 10, ProbeOutcome.Degraded, 1);
        await AddAsync("p", now.AddHours(-3), 10, ProbeOutcome.Parked, 1);

        var windows = (await History().GetUptimeAsync("p", CancellationToken.None)).ToDictionary(w => w.Window);

        // Each run holds the default cap (10 min) as nothing follows within it: 20 min up, 10 min down, the parked 10 min out.
        Assert.Equal((4, 1, 1), (windows["24h"].Runs, windows["24h"].Failed, windows["24h"].Parked));
        Assert.Equal(2.0 / 3, windows["24h"].Uptime!.Value, 6);
        Assert.Equal((1800.0, now.AddHours(-24)), (windows["24h"].CoveredSeconds, windows["24h"].Since));
        // The run 1 ms older holds only until the next one starts: 1 ms more down.
        Assert.Equal((5, 2), (windows["7d"].Runs, windows["7d"].Failed));
        Assert.Equal((1_200_000.0 / 1_800_001, 1800.001), (windows["7d"].Uptime!.Value, windows["7d"].CoveredSeconds));
        Assert.Null((await History().GetUptimeAsync("nobody", CancellationToken.None))[0].Uptime);
        await AddAsync("q", now.AddHours(-1), 10, ProbeOutcome.Pass, 1);
        var platform = (await History().GetUptimeAsync(null, CancellationToken.None)).Single(w => w.Window == "24h");
        Assert.Equal((5, 1, 1), (platform.Runs, platform.Failed, platform.Parked));
        Assert.Equal(3.0 / 4, platform.Uptime!.Value, 6);
    }

    [Fact]
    public async Task Uptime_beyond_raw_retention_comes_from_rollups_with_the_same_counts()
    {
        await Results.InitializeAsync(CancellationToken.None);
        for (var day = 0; day < 25; day++)
        {
            await AddAsync("p", T0.AddDays(day).AddHours(6), 10, day % 5 == 0 ? ProbeOutcome.Fail : ProbeOutcome.Pass, 1);
        }

        Time.Now = T0.AddDays(25);
        var before = (await History().GetUptimeAsync("p", CancellationToken.None)).Single(w => w.Window == "30d");
        var compaction = await Compaction().CompactAsync(CancellationToken.None);
        var after = (await History().GetUptimeAsync("p", CancellationToken.None)).Single(w => w.Window == "30d");

        Assert.True(compaction.RawRunsDeleted > 0);
        Assert.Equal(before, after);
        Assert.Equal((25, 5), (after.Runs, after.Failed));
    }

    [Fact]
    public async Task Uptime_from_rolled_up_hours_and_raw_edges_counts_exactly_what_the_raw_runs_say()
    {
        await Results.InitializeAsync(CancellationToken.None);
        var now = T0.AddDays(3).AddMinutes(50);
        // Every 7 minutes for three days, a failure every 5th run, parked every 11th, for two probes; some runs fall
        // in the 24 h window's first partial hour and some after the last rolled-up hour.
        var i = 0;
        for (var at = T0; at < now; at += TimeSpan.FromMinutes(7), i++)
        {
            var outcome = i % 11 == 0 ? ProbeOutcome.Parked : i % 5 == 0 ? ProbeOutcome.Fail : ProbeOutcome.Pass;
            await AddAsync(i % 2 == 0 ? "p" : "q", at, 10, outcome, 1);
        }

        Time.Now = now;
        var rawOnly = await BothAsync();
        var compaction = await Compaction().CompactAsync(CancellationToken.None);
        var fromRollups = await BothAsync();

        Assert.True(compaction.HoursRolledUp > 70, $"{compaction.HoursRolledUp} hours rolled up");
        Assert.Equal(0, compaction.RawRunsDeleted);
        Assert.Equal(rawOnly, fromRollups);
        Assert.Equal((i / 2 + i % 2, i), (fromRollups[1].Runs, fromRollups[5].Runs));

        async Task<List<UptimeWindow>> BothAsync() =>
            [.. await History().GetUptimeAsync("p", CancellationToken.None), .. await History().GetUptimeAsync(null, CancellationToken.None)];
    }

    [Fact]
    public async Task Platform_uptime_for_pages_is_reused_for_its_max_age_then_computed_again()
    {
        await Results.InitializeAsync(CancellationToken.None);
        var now = T0.AddDays(1);
        Time.Now = now;
        var platform = new PlatformUptime(History(), Get<IStore>(), Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<PlatformUptime>.Instance);
        await AddAsync("p", now.AddHours(-1), 10, ProbeOutcome.Pass, 1);
        var first = (await platform.GetAsync(CancellationToken.None)).Single(w => w.Window == "24h");

        await AddAsync("q", now.AddMinutes(-30), 10, ProbeOutcome.Fail, 1);
        Time.Now = now + PlatformUptime.MaxAge - TimeSpan.FromSeconds(1);
        var cached = (await platform.GetAsync(CancellationToken.None)).Single(w => w.Window == "24h");
        Time.Now = now + PlatformUptime.MaxAge;
        var recomputed = (await platform.GetAsync(CancellationToken.None)).Single(w => w.Window == "24h");

        Assert.Equal((1, 0), (first.Runs, first.Failed));
        Assert.Equal(first, cached);
        Assert.Equal((2, 1), (recomputed.Runs, recomputed.Failed));
    }

    [Fact]
    public async Task Chart_history_has_the_hours_not_rolled_up_yet_from_raw_runs_and_each_bucket_once()
    {
        await Results.InitializeAsync(CancellationToken.None);
        // A probe started ten minutes ago: nothing is rolled up for another hour and a half.
        await AddAsync("p", T0.AddHours(5).AddMinutes(50), 10, ProbeOutcome.Pass, 1);
        await AddAsync("p", T0.AddHours(5).AddMinutes(55), 30, ProbeOutcome.Fail, 1);
        await AddAsync("other", T0.AddHours(5).AddMinutes(51), 99, ProbeOutcome.Pass, 1);
        Time.Now = T0.AddHours(6).AddMinutes(1);
        await AddAsync("p", T0.AddHours(6), 20, ProbeOutcome.Pass, 1);

        var fresh = await History().GetHistoryAsync("p", RollupResolution.Hour, Time.Now - TimeSpan.FromDays(1), Time.Now, CancellationToken.None);

        Assert.Empty(await History().GetRollupsAsync("p", RollupResolution.Hour, T0, Time.Now, CancellationToken.None));
        Assert.Equal([(T0.AddHours(5), 2, 1, 1), (T0.AddHours(6), 1, 1, 0)], fresh.Select(b => (b.BucketStart, b.Runs, b.Passes, b.Fails)));
        Assert.Equal(30.0, fresh[0].P95Ms);
        var today = Assert.Single(await History().GetHistoryAsync("p", RollupResolution.Day, Time.Now - TimeSpan.FromDays(7), Time.Now, CancellationToken.None));
        Assert.Equal((T0, 3), (today.BucketStart, today.Runs));

        // Hour 5 settles and is rolled up: it comes from its rollup, hour 6 still from the raw runs, none twice.
        Time.Now = T0.AddHours(6).AddMinutes(40);
        await Compaction().CompactAsync(CancellationToken.None);
        var later = await History().GetHistoryAsync("p", RollupResolution.Hour, Time.Now - TimeSpan.FromDays(1), Time.Now, CancellationToken.None);

        Assert.Single(await History().GetRollupsAsync("p", RollupResolution.Hour, T0, Time.Now, CancellationToken.None));
        Assert.Equal([(T0.AddHours(5), 2), (T0.AddHours(6), 1)], later.Select(b => (b.BucketStart, b.Runs)));
    }

    /// <summary>
    /// Makes this test's database one of the schema before rollups kept time (every script before the uptime one),
    /// fills it with <paramref name="oldRows"/> (SQL both engines take), and returns a process that opened it (and so
    /// migrated it).
    /// </summary>
    protected abstract Task<IServiceProvider> OpenUpgradedFromBeforeUptimeTimeAsync(string oldRows);

    [Fact]
    public async Task An_upgraded_database_recomputes_its_rollups_from_the_raw_runs_kept_and_keeps_the_run_counts_share_where_they_are_gone()
    {
        var start = T0.AddHours(10);
        long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();
        // Raw runs of day T0, hour 10: four minutes up, a minute down rechecked every 15 s, then a pass; counted by run
        // in the old rollups (5 of 9). Day T0 − 20 has only its old daily rollup left (3 of 4 runs passed).
        double[] minutes = [0, 1, 2, 3, 4, 4.25, 4.5, 4.75, 5];
        var runs = string.Join(", ", minutes.Select((m, i) =>
            $"({i + 1}, 'run{i}', 1, 'Schedule', {Ms(start.AddMinutes(m))}, {Ms(start.AddMinutes(m)) + 10}, 10, '{(m is >= 4 and < 5 ? "Fail" : "Pass")}', NULL, NULL, NULL)"));
        var oldRows = $"""
            INSERT INTO probe_keys (key, probe_id, probe_kind) VALUES (1, 'flow', 'K');
            INSERT INTO runs (seq, id, probe_key, trigger, started_at, ended_at, duration_ms, outcome, message, metrics, maintenance_window) VALUES
            {runs};
            INSERT INTO rollups (probe_id, resolution, bucket_start, runs, passes, degraded, fails, parked, parked_ms, maintenance, interrupted) VALUES
            ('flow', 'Hour', {Ms(start)}, 9, 5, 0, 4, 0, 0, 0, 0),
            ('flow', 'Day', {Ms(T0)}, 9, 5, 0, 4, 0, 0, 0, 0),
            ('flow', 'Day', {Ms(T0.AddDays(-20))}, 4, 3, 0, 1, 0, 0, 0, 0);
            INSERT INTO history_marks (name, at) VALUES ('raw.deleted-before', {Ms(T0)}), ('hour.done', {Ms(T0.AddDays(1))}), ('day.done', {Ms(T0.AddDays(1))});
            """;
        Time.Now = T0.AddDays(1).AddHours(1);

        var upgraded = await OpenUpgradedFromBeforeUptimeTimeAsync(oldRows);
        var history = upgraded.GetRequiredService<IHistoryStore>();
        var estimated = Assert.Single(await history.GetRollupsAsync("flow", RollupResolution.Hour, start, start.AddHours(1), CancellationToken.None));
        await upgraded.GetRequiredService<IHistoryCompaction>().CompactAsync(CancellationToken.None);
        var hour = Assert.Single(await history.GetRollupsAsync("flow", RollupResolution.Hour, start, start.AddHours(1), CancellationToken.None));
        var days = await history.GetRollupsAsync("flow", RollupResolution.Day, T0.AddDays(-30), T0.AddDays(1), CancellationToken.None);
        var month = (await history.GetUptimeAsync("flow", CancellationToken.None)).Single(w => w.Window == "30d");

        // Until the compaction, the old counts' share of the hour (5 of 9 up); after it, the time the raw runs measured
        // (the last pass holds its 80 s cap).
        Assert.Equal((3_600_000L * 5 / 9, 3_600_000L * 4 / 9), (estimated.UpMs, estimated.DownMs));
        Assert.Equal((320_000L, 60_000L, start), (hour.UpMs, hour.DownMs, hour.CoveredFrom));
        Assert.Equal([(T0.AddDays(-20), 64_800_000L, 21_600_000L), (T0, 320_000L, 60_000L)], days.Select(d => (d.BucketStart, d.UpMs, d.DownMs)));
        Assert.Equal((9, 4), (hour.Runs, hour.Fails));
        Assert.Equal((64_800_000 + 320_000) / (86_400_000 + 380_000.0), month.Uptime!.Value, 9);
        Assert.Equal(T0.AddDays(-20), month.Since);
    }

    protected async Task AddAsync(string probeId, DateTimeOffset startedAt, double durationMs, ProbeOutcome outcome, double stepMs, string? maintenanceWindow = null)
    {
        var run = new ProbeRun(ProbeRun.NewId(), probeId, "K", RunTrigger.Schedule, startedAt, startedAt.AddMilliseconds(durationMs), durationMs, outcome, null,
            [new StepResult(0, "A", StepOutcome.Pass, startedAt, stepMs, null, null)], new Dictionary<string, double> { ["firstResponseMs"] = stepMs }, maintenanceWindow);
        await Results.InsertRunAsync(run with { EndedAt = null, Steps = [] }, CancellationToken.None);
        await Results.CompleteRunAsync(run, CancellationToken.None);
    }

    protected static ProbeRun Completed(string probeId, DateTimeOffset startedAt) =>
        new(ProbeRun.NewId(), probeId, "K", RunTrigger.Schedule, startedAt, startedAt.AddMilliseconds(10), 10, ProbeOutcome.Pass, null,
            [new StepResult(0, "A", StepOutcome.Pass, startedAt, 5, null, null), new StepResult(1, "B", StepOutcome.Pass, startedAt.AddMilliseconds(5), 5, null, null)]);

    protected sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

/// <summary>The contract on SQLite, and what only SQLite's layout shows (its watermark rows, its batched deletes by seq).</summary>
public sealed class SqliteHistoryStoreTests : HistoryStoreContract
{
    private readonly SqliteTestDatabase _database = new();

    protected override void AddStore(IServiceCollection services) => _database.AddTo(services);

    protected override Task DropStoreAsync() => _database.DropAsync();

    protected override async Task<IServiceProvider> OpenUpgradedFromBeforeUptimeTimeAsync(string oldRows)
    {
        // A file of its own, made by the scripts before the uptime one, in place of this test's.
        var scripts = SqliteDatabase.MigrationScripts;
        var before = scripts.ToList().FindIndex(script => script.Contains("ADD COLUMN up_ms", StringComparison.Ordinal));
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(_database.Path)!))
        {
            File.Delete(file);
        }

        await using (var connection = new SqliteConnection($"Data Source={_database.Path};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join("\n", scripts.Take(before)) + oldRows + $"PRAGMA user_version = {before};";
            await command.ExecuteNonQueryAsync();
        }

        return await OpenAsync();
    }

    [Fact]
    public async Task Only_closed_buckets_are_rolled_up_and_compaction_resumes_without_double_counting()
    {
        await Results.InitializeAsync(CancellationToken.None);
        for (var i = 0; i < 6; i++)
        {
            await AddAsync("p", T0.AddHours(i).AddMinutes(10), 10 + i, ProbeOutcome.Pass, 1);
        }

        // 02:40: hours 0 and 1 are closed (and settled); 2 is not.
        Time.Now = T0.AddHours(2).AddMinutes(40);
        var first = await Compaction().CompactAsync(CancellationToken.None);
        // A crash that lost the watermark after hour 1 was written: the rerun rewrites hour 1, it does not add to it.
        await using (var connection = new SqliteConnection($"Data Source={_database.Path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE history_marks SET at = {T0.AddHours(1).ToUnixTimeMilliseconds()} WHERE name = 'hour.done';";
            await command.ExecuteNonQueryAsync();
        }

        Time.Now = T0.AddHours(7);
        var second = await Compaction().CompactAsync(CancellationToken.None);
        var third = await Compaction().CompactAsync(CancellationToken.None);
        var hours = await History().GetRollupsAsync("p", RollupResolution.Hour, T0, T0.AddDays(1), CancellationToken.None);

        Assert.Equal(2, first.HoursRolledUp);
        Assert.Equal(5, second.HoursRolledUp);
        Assert.Equal(0, third.HoursRolledUp);
        Assert.Equal(6, hours.Count);
        Assert.All(hours, h => Assert.Equal(1, h.Runs));
    }

    [Fact]
    public async Task Retention_deletes_every_old_run_and_its_steps_in_batches_also_when_runs_were_stored_out_of_start_order()
    {
        await Results.InitializeAsync(CancellationToken.None);
        // Stored first, so lowest in seq, but new: stays.
        await AddAsync("p", T0.AddDays(10), 10, ProbeOutcome.Pass, 1);
        // More old runs than one delete batch (2,000), of two probes.
        var old = Enumerable.Range(0, 2_500).Select(i => Completed(i % 2 == 0 ? "p" : "q", T0.AddMinutes(i))).ToList();
        await ((SqliteResultsStore)Results).InsertCompletedRunsAsync(old, CancellationToken.None);
        // Old, but stored after newer runs (a run whose insert waited): the highest seq of all.
        await AddAsync("q", T0.AddHours(3), 10, ProbeOutcome.Fail, 1);
        // Old but still running (a run of the previous process not closed yet): stays.
        await Results.InsertRunAsync(Completed("p", T0.AddHours(4)) with { EndedAt = null, Steps = [] }, CancellationToken.None);

        Time.Now = T0.AddDays(20).AddHours(12);
        var compaction = await Compaction().CompactAsync(CancellationToken.None);

        Assert.Equal(2_501, compaction.RawRunsDeleted);
        Assert.Equal([T0.AddDays(10), T0.AddHours(4)], (await Results.GetRunsAsync("p", 10, null, CancellationToken.None)).Select(r => r.StartedAt));
        Assert.Empty(await Results.GetRunsAsync("q", 10, null, CancellationToken.None));
        await using var connection = new SqliteConnection($"Data Source={_database.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM steps;";
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }
}
