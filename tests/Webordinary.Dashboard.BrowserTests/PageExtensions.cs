using Microsoft.Playwright;

namespace Webordinary.Dashboard.BrowserTests;

public static class PageExtensions
{
    /// <summary>
    /// Opens a dashboard page and waits for the circuit to take over the prerendered HTML (the layout's
    /// <c>data-interactive</c> attribute): the rows show at once, but a click before that does nothing.
    /// </summary>
    public static async Task GotoInteractiveAsync(this IPage page, string path)
    {
        await page.GotoAsync(path);
        await Assertions.Expect(page.Locator("[data-interactive]")).ToBeAttachedAsync();
    }
}
