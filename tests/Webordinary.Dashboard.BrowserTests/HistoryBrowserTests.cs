using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Store;
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
        var start = DateTimeOffset.UtcNow.AddDays(-7);
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

        var compaction = await host.Get<HistoryStore>().CompactAsync(CancellationToken.None);
        Assert.True(compaction.HoursRolledUp >= 7 * 24 - 2, $"rolled up {compaction.HoursRolledUp} hours");
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString() });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();

        await page.GotoInteractiveAsync("/probes/hermes");

        var history = page.Locator("[data-testid='history']");
        await Expect(history.Locator("[data-window='7d']")).ToContainTextAsync("%");
        await Expect(history.Locator("[data-testid='latency-chart'] svg")).ToBeVisibleAsync();
        await Expect(history.Locator("[data-testid='uptime-chart'] svg")).ToBeVisibleAsync();
        Assert.True(await history.Locator("[data-testid='latency-chart'] svg path").CountAsync() >= 2, "no p50/p95 lines drawn");
        await history.Locator("button[data-range='30d']").ClickAsync();
        await Expect(history.Locator("[data-testid='latency-chart'] svg")).ToBeVisibleAsync();
    }
}
