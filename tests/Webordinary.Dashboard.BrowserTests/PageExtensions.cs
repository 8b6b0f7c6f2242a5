using Microsoft.Playwright;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.BrowserTests;

public static class PageExtensions
{
    /// <summary>
    /// Opens a dashboard page and waits for the circuit to take over the prerendered HTML
    /// (<see cref="DashboardHost.InteractiveSelector"/>): the rows show at once, but a click before that does nothing.
    /// </summary>
    public static async Task GotoInteractiveAsync(this IPage page, string path)
    {
        await page.GotoAsync(path);
        await Assertions.Expect(page.Locator(DashboardHost.InteractiveSelector)).ToBeAttachedAsync();
    }
}
