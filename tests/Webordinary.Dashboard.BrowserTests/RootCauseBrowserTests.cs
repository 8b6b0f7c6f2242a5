using Microsoft.Playwright;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>Two root causes in a real browser: a banner each, their failing probes first and grouped, the count in the tab.</summary>
public sealed class RootCauseBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private DashboardHost _host = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        PlatformProbes.Add(settings, interval: "00:00:01", persistenceInterval: "01:00:00",
            only: string.Join(',', PlatformProbes.CloudWatch, PlatformProbes.Ecs, PlatformProbes.Alb, PlatformProbes.Hermes, PlatformProbes.Dynamo, PlatformProbes.Routing));
        _host = await DashboardHost.StartAsync(settings);
        _context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _host.BaseAddress.ToString() });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.CloseAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Table_and_hermes_down_show_two_root_cause_banners_failing_rows_first_and_the_count_in_the_title()
    {
        await _page.GotoInteractiveAsync("/");
        await Expect(_page.Locator($"tr.probe-row[data-probe-id='{PlatformProbes.Routing}']")).ToHaveAttributeAsync("data-status", "Pass");
        await Expect(_page).ToHaveTitleAsync("Overview · Webordinary Dashboard");

        var faults = _host.Get<FaultInjector>();
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));

        // Hermes failing its health checks leaves the ALB without a healthy target: that is the second root cause.
        var banners = _page.Locator("[data-testid='root-cause']");
        await Expect(banners).ToHaveCountAsync(2);
        await Expect(_page.Locator($"[data-root-cause='{PlatformProbes.Dynamo}']")).ToContainTextAsync("down since");
        await Expect(_page.Locator($"[data-root-cause='{PlatformProbes.Alb}']")).ToContainTextAsync("Target.FailedHealthChecks");
        await Expect(_page).ToHaveTitleAsync("2 down · Webordinary Dashboard");
        await Expect(_page.Locator("link[rel='icon'][href*='favicon-down']")).ToBeAttachedAsync();
        await Expect(_page.Locator($"tr.probe-row[data-probe-id='{PlatformProbes.Routing}']")).ToHaveAttributeAsync("data-caused-by", new System.Text.RegularExpressions.Regex("."));
        // The passing probes (CloudWatch, ECS) come after every failing one.
        var order = await _page.Locator("tr.probe-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.status)");
        Assert.Equal(["Pass", "Pass"], order.SkipWhile(status => status != "Pass"));

        faults.ClearAll();
        await Expect(banners).ToHaveCountAsync(0);
        await Expect(_page).ToHaveTitleAsync("Overview · Webordinary Dashboard");
    }
}
