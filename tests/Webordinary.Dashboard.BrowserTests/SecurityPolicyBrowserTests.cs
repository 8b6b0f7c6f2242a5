using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>Every page works under the Content-Security-Policy: no violation in light or dark, dialogs included.</summary>
public sealed class SecurityPolicyBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task Every_page_runs_without_a_csp_violation(ColorScheme scheme)
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName, interval: "00:00:02");
        await using var host = await DashboardHost.StartAsync(settings);
        await host.RunProbeAsync("ecs");
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString(), new BrowserNewContextOptions { ColorScheme = scheme });
        var page = await context.NewPageAsync();

        foreach (var path in new[] { "/", "/probes/ecs", "/incidents", "/services", "/audit", "/sandbox" })
        {
            await page.GotoInteractiveAsync(path);
            await Expect(page.Locator("h1, .mud-typography-h4").First).ToBeVisibleAsync();
        }

        await page.GotoInteractiveAsync("/services");
        await page.Locator("button[data-testid='scale']").ClickAsync();
        await Expect(page.Locator(".mud-dialog")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await page.GotoInteractiveAsync("/");
        await page.GetByTestId("theme-toggle").ClickAsync();
        await page.Locator("tr.probe-row[data-probe-id='ecs'] button[data-testid='run-now']").ClickAsync();
        await Expect(page.Locator(".mud-snackbar")).ToBeVisibleAsync();

        chromium.AssertNoCspViolations();
    }
}
