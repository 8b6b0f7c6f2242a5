using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>An ad hoc maintenance window from the overview: started with a reason, shown until when, ended with a click.</summary>
public sealed class MaintenanceBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private DashboardHost _host = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "hermes-health", "HermesHealth", interval: "00:00:05");
        _host = await DashboardHost.StartAsync(settings);
        _context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _host.BaseAddress.ToString() });
        _context.SetDefaultTimeout(15_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.CloseAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_window_started_from_the_overview_shows_its_banner_until_it_is_ended()
    {
        await _page.GotoInteractiveAsync("/");

        await _page.GetByTestId("start-maintenance").ClickAsync();
        await _page.Locator("input[data-testid='maintenance-reason'], [data-testid='maintenance-reason'] input").FillAsync("Hermes upgrade");
        await _page.GetByTestId("maintenance-submit").ClickAsync();

        var banner = _page.GetByTestId("maintenance-banner");
        await Expect(banner).ToContainTextAsync("(Hermes upgrade)");
        await Expect(banner).ToContainTextAsync("In maintenance until");
        var window = Assert.Single(_host.Get<MaintenanceWindows>().Active());
        Assert.Equal(("Hermes upgrade", "local", true), (window.Window.Reason, window.Window.CreatedBy, window.Window.Scope.IsGlobal));
        Assert.Equal(TimeSpan.FromHours(1), window.Until - window.From);

        await banner.GetByTestId("end-maintenance").ClickAsync();
        await Expect(banner).ToHaveCountAsync(0);
        Assert.Empty(_host.Get<MaintenanceWindows>().Active());
    }
}
