using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Tests.History;

/// <summary>The time-based uptime policy on its own: spans, caps, exclusions and bucket edges, in whole milliseconds.</summary>
public sealed class UptimeSpansTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(80);

    private static UptimeSample At(double minutes, UptimeState state) => new(T0.AddMinutes(minutes), state);

    [Fact]
    public void Four_minutes_up_then_a_minute_down_rechecked_every_15_s_is_80_percent_of_the_time()
    {
        List<UptimeSample> runs =
        [
            At(0, UptimeState.Up), At(1, UptimeState.Up), At(2, UptimeState.Up), At(3, UptimeState.Up),
            At(4, UptimeState.Down), At(4.25, UptimeState.Down), At(4.5, UptimeState.Down), At(4.75, UptimeState.Down),
            At(5, UptimeState.Up),
        ];

        var time = UptimeSpans.Within(runs, null, Cap, T0, T0.AddMinutes(5));

        Assert.Equal((240_000L, 60_000L, 0L), (time.UpMs, time.DownMs, time.ExcludedMs));
        Assert.Equal(0.8, (double)time.UpMs / time.CoveredMs);
        Assert.Equal(T0, time.Since);
    }

    [Fact]
    public void A_run_holds_at_most_its_cap_and_the_time_after_is_no_data()
    {
        // The dashboard was stopped for an hour after the first run: 80 s up, then nothing until the next run.
        var time = UptimeSpans.Within([At(0, UptimeState.Up), At(60, UptimeState.Down)], T0.AddMinutes(61), Cap, T0, T0.AddHours(2));

        Assert.Equal((80_000L, 60_000L), (time.UpMs, time.DownMs));
    }

    [Fact]
    public void Parked_maintenance_and_interrupted_time_is_excluded_not_down()
    {
        var time = UptimeSpans.Within([At(0, UptimeState.Up), At(1, UptimeState.Excluded), At(2, UptimeState.Excluded), At(3, UptimeState.Down)], T0.AddMinutes(4), Cap, T0, T0.AddMinutes(10));

        Assert.Equal((60_000L, 60_000L, 120_000L), (time.UpMs, time.DownMs, time.ExcludedMs));
        Assert.Equal(UptimeState.Excluded, UptimeSample.StateOf(ProbeOutcome.Pass, inMaintenanceWindow: true));
        Assert.Equal(UptimeState.Excluded, UptimeSample.StateOf(ProbeOutcome.Parked, inMaintenanceWindow: false));
        Assert.Equal(UptimeState.Excluded, UptimeSample.StateOf(ProbeOutcome.Interrupted, inMaintenanceWindow: false));
        Assert.Equal(UptimeState.Up, UptimeSample.StateOf(ProbeOutcome.Degraded, inMaintenanceWindow: false));
    }

    [Fact]
    public void A_span_across_a_bucket_edge_is_split_and_the_run_before_the_stretch_reaches_into_it()
    {
        // Hour buckets from 01:00; a failed run at 00:59:30 holds until the pass at 01:00:20, which holds its 80 s
        // cap; a pass at 01:59:50 holds 80 s, 10 s in the first hour and 70 s in the second.
        List<UptimeSample> runs =
        [
            new(T0.AddMinutes(59).AddSeconds(30), UptimeState.Down), new(T0.AddHours(1).AddSeconds(20), UptimeState.Up),
            new(T0.AddHours(2).AddSeconds(-10), UptimeState.Up),
        ];

        var buckets = UptimeSpans.Split(runs, null, Cap, T0.AddHours(1), TimeSpan.FromHours(1), 2);

        Assert.Equal((80_000L + 10_000L, 20_000L), (buckets[0].UpMs, buckets[0].DownMs));
        Assert.Equal(T0.AddHours(1), buckets[0].Since);
        Assert.Equal((70_000L, 0L), (buckets[1].UpMs, buckets[1].DownMs));
        Assert.Equal(UptimeSpans.Within(runs, null, Cap, T0.AddHours(1), T0.AddHours(3)), buckets[0] + buckets[1]);
    }

    [Fact]
    public void A_probes_cap_is_its_interval_or_its_crons_gap_plus_its_timeout()
    {
        var options = new Webordinary.Dashboard.Probes.Configuration.DashboardOptions();
        options.Probes["every-minute"] = new() { Interval = TimeSpan.FromMinutes(1), Timeout = TimeSpan.FromSeconds(20) };
        options.Probes["hourly"] = new() { Cron = "0 0 * * * ?", Timeout = TimeSpan.FromSeconds(30) };

        var limits = HistoryHostingExtensions.SpanLimits(options);

        Assert.Equal(TimeSpan.FromSeconds(80), limits.CapFor("Every-Minute"));
        Assert.Equal(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(30), limits.CapFor("hourly"));
        Assert.Equal(UptimeSpanLimits.DefaultCap, limits.CapFor("removed-probe"));
    }
}
