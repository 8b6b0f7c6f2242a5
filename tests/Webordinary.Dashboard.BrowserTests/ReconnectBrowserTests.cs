using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>A page left open across a dashboard restart comes back by itself and shows the new state.</summary>
public sealed class ReconnectBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Open_page_survives_a_restart_and_catches_up()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        var contentRoot = Directory.CreateTempSubdirectory("reconnect-test-").FullName;
        var url = $"http://127.0.0.1:{DashboardHost.FreePort()}";
        var first = await DashboardHost.StartAsync(settings, contentRoot, url: url);
        var firstRun = await first.RunProbeAsync("ecs");
        await using var context = await chromium.NewContextAsync(url);
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/");
        var row = page.Locator("tr.probe-row[data-probe-id='ecs']");
        await Expect(row).ToHaveAttributeAsync("data-last-run", firstRun.Id);

        await first.DisposeAsync();
        await Expect(page.Locator("#connection-banner")).ToBeVisibleAsync();
        await using var second = await DashboardHost.StartAsync(settings, contentRoot, url: url);
        var secondRun = await second.RunProbeAsync("ecs");

        await Expect(row).ToHaveAttributeAsync("data-last-run", secondRun.Id);
        await Expect(page.Locator("#connection-banner")).Not.ToBeVisibleAsync();
        await Expect(page.Locator(DashboardHost.InteractiveSelector)).ToBeAttachedAsync();
        chromium.AssertNoCspViolations();
    }
}
