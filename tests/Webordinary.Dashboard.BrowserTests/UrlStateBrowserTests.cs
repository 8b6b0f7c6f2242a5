using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>What the user looks at is in the URL: a reload (or the link sent to someone) shows the same view.</summary>
public sealed class UrlStateBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Opened_run_chart_range_and_overview_filter_survive_a_reload()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName);
        DashboardHost.AddProbe(settings, "heartbeat", CloudWatchHeartbeatProbe.KindName);
        settings["Dashboard:Probes:hermes:Tags:0"] = "edge";
        settings["Dashboard:Probes:heartbeat:Tags:0"] = "edge";
        await using var host = await DashboardHost.StartAsync(settings);
        var run = await host.RunProbeAsync("ecs");
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();

        // The probe page: open a run, pick the 24 h range.
        await page.GotoInteractiveAsync("/probes/ecs");
        await page.Locator($"tr.run-row[data-run-id='{run.Id}']").ClickAsync();
        await Expect(page.Locator($"tr.run-details[data-run-id='{run.Id}']")).ToBeVisibleAsync();
        await page.Locator("button[data-range='24h']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"range=24h"));
        await Expect(page).ToHaveURLAsync(new Regex($"run={run.Id}"));

        await page.ReloadAsync();

        // Prerendered already as it was left.
        await Expect(page.Locator($"tr.run-details[data-run-id='{run.Id}']")).ToBeVisibleAsync();
        await Expect(page.Locator("button[data-range='24h']")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator("button[data-range='7d']")).ToHaveAttributeAsync("aria-pressed", "false");

        // The overview: search, one tag, grouped by component.
        await page.GotoInteractiveAsync("/");
        var search = page.Locator("input[data-testid='filter-text'], [data-testid='filter-text'] input").First;
        await search.FillAsync("edge");
        await Expect(page).ToHaveURLAsync(new Regex("q=edge"));
        await page.GetByText("Group by component").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("group=component"));
        await Expect(page.Locator("[data-probe-id]")).ToHaveCountAsync(2);

        await page.ReloadAsync();

        await Expect(page.Locator(DashboardHost.InteractiveSelector)).ToBeAttachedAsync();
        await Expect(search).ToHaveValueAsync("edge");
        await Expect(page.Locator("[data-probe-id='hermes']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-probe-id='heartbeat']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-probe-id='ecs']")).ToHaveCountAsync(0);
        await Expect(page.Locator("tr.probe-group")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("filter-count")).ToHaveTextAsync("2 of 3 shown");
        chromium.AssertNoCspViolations();
    }
}
