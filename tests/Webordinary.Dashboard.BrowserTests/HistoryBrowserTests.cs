using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>A probe page over generated history: uptime windows and the rollup charts render.</summary>
public sealed class HistoryBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Probe_page_with_a_week_of_history_shows_uptime_and_charts()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        var store = host.Get<IResultsStore>();
        // Runs at :05 and :35 of every hour: uptime is time, and a failed run's time (until the next run) then stays in
        // its own hour, so each failure makes one hour short whatever the time of day the test runs at.
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 5, 0, TimeSpan.Zero).AddDays(-7);
        // A week of runs every 30 minutes, one in ten failing; then the real compaction rolls them up.
        for (var i = 0; i < 7 * 48; i++)
        {
            var at = start.AddMinutes(30 * i);
            var run = new ProbeRun(ProbeRun.NewId(), "hermes", HermesHealthProbe.KindName, RunTrigger.Schedule, at, at.AddMilliseconds(40 + i % 7 * 10),
                40 + i % 7 * 10, i % 10 == 0 ? ProbeOutcome.Fail : ProbeOutcome.Pass, null,
                [new StepResult(0, "GET /hermes/health via ALB", i % 10 == 0 ? StepOutcome.Fail : StepOutcome.Pass, at, 30, null, null)]);
            await store.InsertRunAsync(run with { EndedAt = null, Steps = [] }, CancellationToken.None);
            await store.CompleteRunAsync(run, CancellationToken.None);
        }

        var compaction = await host.Get<IHistoryCompaction>().CompactAsync(CancellationToken.None);
        Assert.True(compaction.HoursRolledUp >= 7 * 24 - 2, $"rolled up {compaction.HoursRolledUp} hours");
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();

        await page.GotoInteractiveAsync("/probes/hermes");

        var history = page.Locator("[data-testid='history']");
        await Expect(history.Locator("[data-window='7d']")).ToContainTextAsync("%");
        var latency = history.Locator("[data-testid='latency-chart']");
        await Expect(latency.Locator("svg")).ToBeVisibleAsync();
        await Expect(history.Locator("[data-testid='uptime-chart'] svg")).ToBeVisibleAsync();
        // p50 and p95 as one line each through every hour of the week; the uptime bars, one per hour, in one path.
        var lines = latency.Locator("path.history-line");
        await Expect(lines).ToHaveCountAsync(2);
        foreach (var line in await lines.AllAsync())
        {
            Assert.InRange(Segments(await line.GetAttributeAsync("d"), 'L'), 7 * 24 - 4, 7 * 24 + 1);
        }

        // Every hour with a failed run (one run in ten fails) falls short of 100 %.
        var bars = history.Locator("[data-testid='uptime-chart'] path.history-bars");
        var (fullHours, shortHours) = (Segments(await bars.Nth(0).GetAttributeAsync("d"), 'M'), Segments(await bars.Nth(1).GetAttributeAsync("d"), 'M'));
        Assert.InRange(fullHours + shortHours, 7 * 24 - 3, 7 * 24 + 1);
        Assert.InRange(shortHours, 7 * 24 / 5 - 4, 7 * 24 / 5 + 4);

        // The pointer over the chart shows that hour's values; away from it, the tooltip goes.
        await latency.Locator("svg").HoverAsync();
        await Expect(latency.GetByTestId("chart-tooltip")).ToContainTextAsync("p95");
        await Expect(latency.GetByTestId("chart-tooltip")).ToContainTextAsync(" ms");
        await page.Mouse.MoveAsync(0, 0);
        await Expect(latency.GetByTestId("chart-tooltip")).ToHaveCountAsync(0);

        // 30 days: one point per day.
        await history.Locator("button[data-range='30d']").ClickAsync();
        await Expect(latency).ToContainTextAsync("per day");
        Assert.InRange(Segments(await latency.Locator("path.history-line").First.GetAttributeAsync("d"), 'L'), 5, 8);
        chromium.AssertNoCspViolations();
    }

    /// <summary>How many times a path command occurs in an SVG path's data.</summary>
    private static int Segments(string? path, char command) => path?.Count(c => c == command) ?? 0;
}
