using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>
/// axe-core (WCAG 2.2 AA and best practices) on every page, light and dark, desktop and phone: no serious or critical
/// violation; the moderate and minor ones are listed in the test output.
/// </summary>
public sealed class AccessibilityBrowserTests(ChromiumFixture chromium, EveryPageHost dashboard, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>, IClassFixture<EveryPageHost>
{
    private static readonly AxeRunOptions Rules = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    };

    [Theory]
    [InlineData(1400, 900, "light")]
    [InlineData(1400, 900, "dark")]
    [InlineData(390, 844, "light")]
    [InlineData(390, 844, "dark")]
    public async Task Every_page_has_no_serious_or_critical_axe_violations(int width, int height, string scheme)
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString(), new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
        });
        var page = await context.NewPageAsync();
        var blocking = new StringBuilder();
        foreach (var path in EveryPageHost.Pages)
        {
            await page.GotoInteractiveAsync(path);
            await Microsoft.Playwright.Assertions.Expect(page.Locator($"html[data-theme='{scheme}']")).ToBeAttachedAsync();
            var result = await page.RunAxe(Rules);
            foreach (var violation in result.Violations)
            {
                var line = $"{path} [{width} {scheme}] {violation.Impact} {violation.Id}: {violation.Help} — " +
                    string.Join(" | ", violation.Nodes.Take(4).Select(n => $"{n.Target} {string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))}"));
                output.WriteLine(line);
                if (violation.Impact is "serious" or "critical")
                {
                    blocking.AppendLine(line);
                }
            }
        }

        Assert.True(blocking.Length == 0, $"Serious or critical axe violations:{Environment.NewLine}{blocking}");
    }
}
