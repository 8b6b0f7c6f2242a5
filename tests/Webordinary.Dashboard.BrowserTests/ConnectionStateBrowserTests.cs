using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>A page that lost its dashboard says so everywhere (stale statuses, disabled actions) until it is back.</summary>
public sealed class ConnectionStateBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Lost_connection_turns_every_status_stale_and_disables_Run_now_until_the_dashboard_is_back()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName);
        var contentRoot = Directory.CreateTempSubdirectory("connection-state-test-").FullName;
        var url = $"http://127.0.0.1:{DashboardHost.FreePort()}";
        var first = await DashboardHost.StartAsync(settings, contentRoot, url: url);
        await first.RunProbeAsync("ecs");
        await using var context = await chromium.NewContextAsync(url);
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/");
        var statuses = page.Locator("tr.probe-row .status-chip");
        var runNow = page.GetByTestId("run-now");
        await Expect(statuses).ToHaveCountAsync(2);
        await Expect(page.Locator("[data-stale]")).ToHaveCountAsync(0);
        await Expect(runNow.First).ToBeEnabledAsync();

        await first.DisposeAsync();

        var fiveSeconds = new LocatorAssertionsToHaveCountOptions { Timeout = 5_000 };
        await Expect(page.Locator("tr.probe-row .status-chip[data-stale='true']")).ToHaveCountAsync(2, fiveSeconds);
        await Expect(page.Locator("[data-testid='run-now']:disabled")).ToHaveCountAsync(2, fiveSeconds);
        await Expect(page.GetByTestId("run-all")).ToBeDisabledAsync();
        await Expect(page.Locator("#connection-banner")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"lost \d+ s ago"));
        Assert.Equal("0.6", await statuses.First.EvaluateAsync<string>("e => getComputedStyle(e).opacity"));

        await using var second = await DashboardHost.StartAsync(settings, contentRoot, url: url);

        await Expect(page.Locator("#connection-banner")).Not.ToBeVisibleAsync();
        await Expect(page.Locator(DashboardHost.InteractiveSelector)).ToBeAttachedAsync();
        await Expect(page.Locator("[data-stale]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid='run-now']:enabled")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("run-all")).ToBeEnabledAsync();
        Assert.Equal("1", await statuses.First.EvaluateAsync<string>("e => getComputedStyle(e).opacity"));
        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task Lost_connection_disables_an_open_dialogs_actions_and_the_app_bar_and_greys_every_chip()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        var host = await DashboardHost.StartAsync(settings);
        await host.RunProbeAsync("ecs");
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var probe = await context.NewPageAsync();
        await probe.GotoInteractiveAsync("/probes/ecs");
        var uptime = probe.Locator(".mud-chip[data-window]").First;
        await Expect(uptime).ToBeVisibleAsync();
        var services = await context.NewPageAsync();
        await services.GotoInteractiveAsync("/services");
        await services.GetByTestId("scale").ClickAsync();
        var dialog = services.Locator(".mud-dialog");
        await dialog.Locator("input[data-testid='desired-count'], [data-testid='desired-count'] input").FillAsync("2");
        var submit = dialog.Locator("button[data-testid='scale-submit']");
        await Expect(submit).ToBeEnabledAsync();

        await host.DisposeAsync();

        // The click would go nowhere: the dialog's buttons and field, and the app bar's menu and theme toggle, say so.
        var fiveSeconds = new LocatorAssertionsToBeDisabledOptions { Timeout = 5_000 };
        await Expect(submit).ToBeDisabledAsync(fiveSeconds);
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeDisabledAsync(fiveSeconds);
        await Expect(dialog.Locator("input[data-testid='desired-count'], [data-testid='desired-count'] input")).ToBeDisabledAsync(fiveSeconds);
        await Expect(services.GetByTestId("theme-toggle")).ToBeDisabledAsync(fiveSeconds);
        // Every chip of the page is as old as the connection, the uptime ones too.
        await Expect(probe.Locator("#connection-banner")).ToBeVisibleAsync();
        Assert.Equal("0.6", await uptime.EvaluateAsync<string>("e => getComputedStyle(e).opacity"));
    }
}
