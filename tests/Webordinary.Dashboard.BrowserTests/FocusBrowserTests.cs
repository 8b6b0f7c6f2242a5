using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>
/// A control that goes away (or is disabled) by its own action leaves the focus beside it, never on &lt;body&gt;:
/// the keyboard user goes on from there instead of from the top of the page.
/// </summary>
public sealed class FocusBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private DashboardHost _host = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "hermes-health", HermesHealthProbe.KindName);
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        _host = await DashboardHost.StartAsync(settings);
        _context = await chromium.NewContextAsync(_host.BaseAddress.ToString());
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.CloseAsync();
        await _host.DisposeAsync();
    }

    /// <summary>
    /// The page, once the circuit has put the focus on its heading (FocusOnNavigate): a control focused before that
    /// would lose it to the heading.
    /// </summary>
    private async Task OpenAsync(string path)
    {
        await _page.GotoInteractiveAsync(path);
        await Expect(_page.Locator("h1")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Clear_filters_leaves_the_focus_on_the_search()
    {
        await OpenAsync("/?q=hermes");
        var clear = _page.GetByTestId("filter-clear");
        await clear.FocusAsync();

        await _page.Keyboard.PressAsync("Enter");

        await Expect(clear).ToHaveCountAsync(0);
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/$"));
        await Expect(_page.Locator("input[data-testid='filter-text'], [data-testid='filter-text'] input").First).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Create_key_leaves_the_focus_on_the_name_and_Revoke_on_the_content()
    {
        await OpenAsync("/keys");
        var name = _page.Locator("input[data-testid='key-name'], [data-testid='key-name'] input").First;
        await name.FillAsync("ci");
        // Create key is enabled once the circuit has the name: Enter before that would do nothing.
        await Expect(_page.GetByTestId("key-create")).ToBeEnabledAsync();
        await _page.GetByTestId("key-create").FocusAsync();

        // Creating the key empties the name, which disables Create key.
        await _page.Keyboard.PressAsync("Enter");

        await Expect(_page.GetByTestId("key-created")).ToBeVisibleAsync();
        await Expect(_page.GetByTestId("key-create")).ToBeDisabledAsync();
        await Expect(name).ToBeFocusedAsync();

        // Revoke goes with the key's being active: its row keeps no control, so the content has the focus.
        var revoke = _page.GetByTestId("key-revoke");
        await revoke.FocusAsync();
        await _page.Keyboard.PressAsync("Enter");

        await Expect(revoke).ToHaveCountAsync(0);
        await Expect(_page.Locator("main")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task End_now_leaves_the_focus_on_the_content()
    {
        await OpenAsync("/");
        await _page.GetByTestId("start-maintenance").ClickAsync();
        await _page.Locator("input[data-testid='maintenance-reason'], [data-testid='maintenance-reason'] input").FillAsync("Hermes upgrade");
        await _page.GetByTestId("maintenance-submit").ClickAsync();
        // The closed dialog gives the focus back to its opener a frame after it has gone: only then is the focus the test's.
        await Expect(_page.Locator(".mud-dialog-container")).ToHaveCountAsync(0);
        await Expect(_page.GetByTestId("start-maintenance")).ToBeFocusedAsync();
        var end = _page.GetByTestId("end-maintenance");
        await end.FocusAsync();

        await _page.Keyboard.PressAsync("Enter");

        await Expect(_page.GetByTestId("maintenance-banner")).ToHaveCountAsync(0);
        await Expect(_page.Locator("main")).ToBeFocusedAsync();
    }
}
