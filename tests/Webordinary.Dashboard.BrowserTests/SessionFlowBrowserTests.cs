using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Sessions;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>Start the cold-start probe from its page, watch its steps arrive live, then read its cold-start split.</summary>
public sealed class SessionFlowBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Cold_start_steps_appear_live_and_the_split_shows_on_the_runs_page()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "session-cold-start", ColdStartProbe.KindName, timeout: "00:00:30");
        settings["Dashboard:Probes:session-cold-start:ReadinessPollInterval"] = "00:00:00.050";
        await using var host = await DashboardHost.StartAsync(settings);
        // Each Hermes call takes a moment, so the steps arrive one by one.
        host.Get<FaultInjector>().Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Slow, LatencyMs: 400));
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/probes/session-cold-start");
        await Expect(page.Locator("button[data-testid='run-now']")).ToBeEnabledAsync();

        await page.Locator("button[data-testid='run-now']").ClickAsync();

        var current = page.Locator("[data-testid='current-run']");
        await Expect(current.Locator("tr.run-step[data-step-name='Hermes health via ALB']")).ToBeVisibleAsync();
        await Expect(current.Locator("tr.run-step[data-step-name='Create session via API']")).ToBeVisibleAsync();
        await Expect(current.Locator("tr.run-step-pending")).ToBeVisibleAsync();
        await Expect(current).ToBeHiddenAsync();
        var run = page.Locator("tr.run-row").First;
        await Expect(run).ToHaveAttributeAsync("data-outcome", "Pass");
        await run.ClickAsync();

        var split = page.Locator("[data-testid='cold-start-split']");
        await Expect(split).ToBeVisibleAsync();
        foreach (var metric in new[] { ColdStartProbe.RowWrittenMetric, ColdStartProbe.TaskRunningMetric, ColdStartProbe.TargetHealthyMetric, ColdStartProbe.FirstResponseMetric })
        {
            await Expect(split.Locator($"[data-metric='{metric}']")).ToContainTextAsync("+");
        }

        // The charts draw from the first run (no rollup exists yet), the split's legend in words people read.
        await Expect(page.GetByTestId("no-history")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid='latency-chart'] svg")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid='cold-start-trend'] .history-legend-item")).ToHaveTextAsync(["Row written", "Task running", "Target healthy", "First 200"]);
        await Expect(split).ToContainTextAsync("Task running");

        chromium.AssertNoCspViolations();
    }
}
