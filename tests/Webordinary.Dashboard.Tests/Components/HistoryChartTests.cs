using System.Globalization;
using Bunit;
using MudBlazor.Services;
using Webordinary.Dashboard.Components.Controls;

namespace Webordinary.Dashboard.Tests.Components;

/// <summary>The probe page's history chart: lines through their points with gaps where data is missing, bars split by full and short, round axes.</summary>
public sealed class HistoryChartTests
{
    [Fact]
    public async Task A_lone_point_without_an_axis_ends_the_axis_at_it_not_an_hour_later()
    {
        await using var context = NewContext();
        var cut = context.Render<HistoryChart>(p => p
            .Add(c => c.Times, [Start])
            .Add(c => c.Series, [new HistorySeries("First 200", [1200])])
            .Add(c => c.Tooltips, ["a"])
            .Add(c => c.TimeFormat, "HH:mm")
            .Add(c => c.Label, "split"));

        var times = cut.FindAll(".history-axis").Skip(5).Select(t => t.TextContent).ToList();
        Assert.Equal(("23:00", "00:00"), (times[0], times[^1]));
        Assert.Equal(["First 200"], cut.FindAll(".history-legend-item").Select(i => i.TextContent));
    }

    [Fact]
    public async Task An_hour_axis_in_a_half_hour_zone_says_the_minutes()
    {
        await using var context = NewContext();
        // India is UTC+5:30: the UTC hours of the buckets start at half past, local time.
        var cut = context.Render<HistoryChart>(p => p
            .Add(c => c.Times, [Start, Start.AddHours(1)])
            .Add(c => c.Series, [new HistorySeries("p50", [10, 20])])
            .Add(c => c.Tooltips, ["a", "b"])
            .Add(c => c.From, Start)
            .Add(c => c.To, Start.AddHours(2))
            .Add(c => c.TimeFormat, HistoryCharts.HourAxisFormat)
            .Add(c => c.Zone, TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"))
            .Add(c => c.Label, "latency"));

        var times = cut.FindAll(".history-axis").Skip(5).Select(t => t.TextContent).ToList();
        Assert.Equal(("Mon 05:30", "Mon 07:30"), (times[0], times[^1]));
    }

    [Fact]
    public async Task The_open_bucket_at_the_end_of_the_axis_is_drawn_inside_the_plot()
    {
        await using var context = NewContext();
        // The axis ends at now, ten minutes into the newest hour: its bar stays inside the plot's right edge (1000).
        var now = Start.AddHours(3).AddMinutes(10);
        var cut = context.Render<HistoryChart>(p => p
            .Add(c => c.Times, [Start.AddHours(2), Start.AddHours(3)])
            .Add(c => c.Series, [new HistorySeries("uptime %", [100, 100])])
            .Add(c => c.Tooltips, ["a", "b"])
            .Add(c => c.Kind, HistoryChartKind.Bar)
            .Add(c => c.From, Start)
            .Add(c => c.To, now)
            .Add(c => c.BucketLength, TimeSpan.FromHours(1))
            .Add(c => c.YMax, 100)
            .Add(c => c.Label, "uptime"));

        var xs = System.Text.RegularExpressions.Regex.Matches(cut.Find("path.history-bars").GetAttribute("d")!, @"M([\d.]+),[\d.]+V[\d.]+h([\d.]+)")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, xs.Count);
        Assert.All(xs, right => Assert.True(right <= 1000.01, $"bar ends at {right}"));
    }

    private static readonly DateTimeOffset Start = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Line_goes_through_every_point_and_breaks_where_buckets_are_missing()
    {
        await using var context = NewContext();
        // Hours 0–2, then nothing for hours 3–4, then hours 5–6; the second series has a hole at hour 1.
        DateTimeOffset[] times = [.. new[] { 0, 1, 2, 5, 6 }.Select(h => Start.AddHours(h))];
        var cut = context.Render<HistoryChart>(p => p
            .Add(c => c.Times, times)
            .Add(c => c.Series, [new HistorySeries("p50", [10, 20, 30, 40, 50]), new HistorySeries("p95", [15, null, 35, 45, 55])])
            .Add(c => c.Tooltips, [.. times.Select(t => t.ToString("HH:mm", CultureInfo.InvariantCulture))])
            .Add(c => c.From, Start)
            .Add(c => c.To, Start.AddHours(7))
            .Add(c => c.BucketLength, TimeSpan.FromHours(1))
            .Add(c => c.Label, "latency"));

        var lines = cut.FindAll("path.history-line");
        Assert.Equal(2, lines.Count);
        // p50: a line through hours 0–2, a new one from hour 5 (the gap of two hours is more than a bucket and a half).
        Assert.Equal("MLLML", Commands(lines[0].GetAttribute("d")));
        // p95: hour 0 alone, then 2 (after the hole), then 5–6 again after the gap.
        Assert.Equal("MMML", Commands(lines[1].GetAttribute("d")));
        // Hours 0 and 2 of p95 have no neighbour: a line of no length is invisible, so each is a dot; p50 has none.
        Assert.Equal("MhMh", Commands(cut.Find("path.history-dots.history-series-1").GetAttribute("d")));
        Assert.Empty(cut.FindAll("path.history-dots.history-series-0"));
        // Largest value 55 → axis to 60, gridlines and labels 0, 15, 30, 45, 60.
        Assert.Equal(["0", "15", "30", "45", "60"], cut.FindAll(".history-axis").Take(5).Select(t => t.TextContent));
        Assert.Equal(["p50", "p95"], cut.FindAll(".history-legend-item").Select(i => i.TextContent));
        Assert.Empty(cut.FindAll("[data-testid='chart-tooltip']"));
        // The chart stays small whatever the number of points: no element per point.
        Assert.InRange(cut.FindAll("svg *").Count, 4, 12);
        Assert.Equal(5 + 7, cut.FindAll(".history-axis").Count);
    }

    [Fact]
    public async Task Bars_at_the_top_and_bars_short_of_it_are_drawn_apart()
    {
        await using var context = NewContext();
        DateTimeOffset[] times = [.. Enumerable.Range(0, 4).Select(h => Start.AddHours(h))];
        var cut = context.Render<HistoryChart>(p => p
            .Add(c => c.Times, times)
            .Add(c => c.Series, [new HistorySeries("uptime %", [100, 97.5, null, 100])])
            .Add(c => c.Tooltips, ["a", "b", "c", "d"])
            .Add(c => c.Kind, HistoryChartKind.Bar)
            .Add(c => c.BucketLength, TimeSpan.FromHours(1))
            .Add(c => c.YMax, 100)
            .Add(c => c.Label, "uptime"));

        var full = cut.Find("path.history-bars:not(.history-bars-short)").GetAttribute("d");
        var shortOfTop = cut.Find("path.history-bars-short").GetAttribute("d");
        Assert.Equal(2, Commands(full).Count(c => c == 'M'));
        Assert.Equal(1, Commands(shortOfTop).Count(c => c == 'M'));
        Assert.Equal("100", cut.FindAll(".history-axis")[4].TextContent);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0.7, 0.8)]
    [InlineData(55, 60)]
    [InlineData(60, 60)]
    [InlineData(101, 120)]
    [InlineData(230, 240)]
    [InlineData(4100, 6000)]
    public void Axis_top_is_a_round_number_at_or_above_the_largest_value(double largest, double top) =>
        Assert.Equal(top, HistoryChart.NiceCeiling(largest), 6);

    private static BunitContext NewContext()
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        return context;
    }

    /// <summary>The command letters of an SVG path, in order ("M10,20L30,40" → "ML").</summary>
    private static string Commands(string? path) => new([.. (path ?? "").Where(char.IsLetter)]);
}
