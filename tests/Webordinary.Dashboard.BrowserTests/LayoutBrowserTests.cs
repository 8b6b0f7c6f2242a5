using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>Every page on a 390 px phone, the menu, the overview's cards, the theme and the 404 page.</summary>
public sealed class LayoutBrowserTests(ChromiumFixture chromium, EveryPageHost dashboard) : IClassFixture<ChromiumFixture>, IClassFixture<EveryPageHost>
{
    private static readonly BrowserNewContextOptions Phone = new() { ViewportSize = new ViewportSize { Width = 390, Height = 844 } };

    /// <summary>
    /// Elements whose right edge is past the viewport and not inside a scrolling box of their own (a table's
    /// container): what the user cannot reach. The page's own frame (html … main) does not count as such a box.
    /// </summary>
    private const string OverflowingElements = """
        () => {
          const width = innerWidth;
          const frame = new Set([document.documentElement, document.body, ...document.querySelectorAll(".mud-layout, .mud-main-content, main, .mud-container")]);
          const out = [];
          for (const element of document.body.querySelectorAll("*")) {
            const box = element.getBoundingClientRect();
            if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
            let inScroller = false;
            for (let parent = element.parentElement; parent && !frame.has(parent); parent = parent.parentElement) {
              const overflow = getComputedStyle(parent).overflowX;
              if (overflow !== "visible" && parent.getBoundingClientRect().right <= width + 1) { inScroller = true; break; }
            }
            if (!inScroller) out.push(`${element.tagName.toLowerCase()}.${[...element.classList].join(".")} right=${Math.round(box.right)}`);
          }
          return out.slice(0, 8);
        }
        """;

    [Theory]
    [InlineData(390)]
    [InlineData(320)]
    public async Task Every_page_fits_a_phone(int width)
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString(),
            new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = 844 } });
        var page = await context.NewPageAsync();
        // The overview's other views too: cards under group headers, and a filter that leaves one group.
        foreach (var path in EveryPageHost.Pages.Concat(["/?group=component", "/?status=Fail&group=component"]))
        {
            await page.GotoInteractiveAsync(path);
            if (path.Contains("group=component", StringComparison.Ordinal))
            {
                await Expect(page.Locator("tr.probe-group").First).ToBeVisibleAsync();
            }

            var (scrollWidth, innerWidth) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("innerWidth"));
            Assert.True(scrollWidth <= innerWidth, $"{path}: the page scrolls sideways ({scrollWidth} > {innerWidth})");
            var overflowing = await page.EvaluateAsync<string[]>(OverflowingElements);
            Assert.True(overflowing.Length == 0, $"{path}: wider than the phone: {string.Join(", ", overflowing)}");
        }

        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task On_a_phone_a_charts_plot_fills_its_width_and_its_labels_keep_their_size_apart()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString(), Phone);
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync($"/probes/{EveryPageHost.FailingProbe}");
        var chart = page.Locator(".history-chart").First;
        await Expect(chart).ToBeVisibleAsync();

        var measured = await chart.EvaluateAsync<double[]>("""
            chart => {
              const plot = chart.querySelector(".history-plot").getBoundingClientRect();
              const svg = chart.querySelector("svg").getBoundingClientRect();
              const labels = [...chart.querySelectorAll(".history-axis-x")].filter(l => getComputedStyle(l).display !== "none")
                .map(l => l.getBoundingClientRect()).sort((a, b) => a.left - b.left);
              let overlaps = 0;
              for (let i = 1; i < labels.length; i++) if (labels[i].left < labels[i - 1].right) overlaps++;
              const font = parseFloat(getComputedStyle(chart.querySelector(".history-axis")).fontSize);
              return [svg.width / plot.width, font, labels.length, overlaps, Math.max(...labels.map(l => l.right)), innerWidth];
            }
            """);

        var (filled, font, shown, overlaps, right, width) = (measured[0], measured[1], measured[2], measured[3], measured[4], measured[5]);
        Assert.True(filled > 0.99, $"the plot is {filled:P0} of its box");
        Assert.True(font >= 11, $"axis labels at {font} px");
        Assert.True(shown >= 3, $"{shown} times under the plot");
        Assert.True(overlaps == 0, $"{overlaps} time labels overlap");
        Assert.True(right <= width, $"a time label ends at {right} px of {width}");
    }

    [Fact]
    public async Task On_a_phone_the_sandboxs_fault_fields_have_room_for_their_values()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString(), Phone);
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/sandbox");
        // The Latency (ms) and Error rate columns.
        var fields = page.Locator(".fault-table td:nth-child(3) input, .fault-table td:nth-child(4) input");
        await Expect(fields.First).ToBeVisibleAsync();

        // "3000" ms and "Latency (ms)" were cut to "30" and "La…" in 50 px.
        var widths = await fields.EvaluateAllAsync<double[]>("inputs => inputs.map(i => i.getBoundingClientRect().width)");
        Assert.All(widths, width => Assert.True(width >= 80, $"a fault field is {width} px wide"));
    }

    [Fact]
    public async Task On_a_phone_the_menu_opens_and_navigates()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString(), Phone);
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/");
        await Expect(page.Locator("nav[aria-label='Main']")).ToBeHiddenAsync();
        var menu = page.GetByTestId("menu");
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "false");

        await menu.ClickAsync();

        var drawer = page.Locator("nav[aria-label='Main menu']");
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(drawer.GetByRole(AriaRole.Link, new() { Name = "Overview" })).ToHaveAttributeAsync("aria-current", "page");
        await drawer.GetByRole(AriaRole.Link, new() { Name = "Services" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/services$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Services");
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(drawer).Not.ToBeInViewportAsync();
        await Expect(drawer.GetByRole(AriaRole.Link, new() { Name = "Services" })).ToHaveAttributeAsync("aria-current", "page");
    }

    [Fact]
    public async Task On_a_phone_an_overview_row_is_a_card_and_its_Run_now_works()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString(), Phone);
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/");
        var card = page.Locator($"tr.probe-row[data-probe-id='{EveryPageHost.UnrunProbe}']");
        await Expect(card).ToHaveAttributeAsync("data-status", "Unknown");
        Assert.Equal("grid", await card.EvaluateAsync<string>("e => getComputedStyle(e).display"));
        var box = (await card.BoundingBoxAsync())!;
        Assert.InRange(box.Width, 300, 390);
        await Expect(card.Locator(".status-chip")).ToBeInViewportAsync();
        await Expect(card.GetByRole(AriaRole.Link, new() { Name = EveryPageHost.UnrunProbe })).ToBeInViewportAsync();
        await Expect(card.GetByTestId("run-now")).ToBeInViewportAsync();

        await card.GetByTestId("run-now").ClickAsync();

        await Expect(card).ToHaveAttributeAsync("data-status", "Pass");
        await Expect(card.Locator(".probe-last-message")).ToBeInViewportAsync();
    }

    [Fact]
    public async Task Until_the_circuit_has_taken_the_page_over_its_controls_show_disabled()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString());
        // Without Blazor's script the page stays as prerendered: a click would do nothing.
        await context.RouteAsync("**/_framework/blazor.web*.js", route => route.AbortAsync());
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");

        var runNow = page.GetByTestId("run-now").First;
        await Expect(runNow).ToBeVisibleAsync();
        Assert.Equal("none", await runNow.EvaluateAsync<string>("e => getComputedStyle(e).pointerEvents"));
        Assert.Equal("0.55", await runNow.EvaluateAsync<string>("e => getComputedStyle(e).opacity"));
        Assert.Equal("none", await page.GetByTestId("run-all").EvaluateAsync<string>("e => getComputedStyle(e).pointerEvents"));

        // Once interactive (another page, with Blazor), the same buttons are plain.
        var live = await (await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString())).NewPageAsync();
        await live.GotoInteractiveAsync("/");
        Assert.Equal("1", await live.GetByTestId("run-now").First.EvaluateAsync<string>("e => getComputedStyle(e).opacity"));
        await live.Context.CloseAsync();
    }

    [Fact]
    public async Task Operating_system_in_dark_mode_gets_dark_html_without_a_light_frame()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString(), new BrowserNewContextOptions { ColorScheme = ColorScheme.Dark });
        // Each document's theme when its HTML has been parsed, and whether it could be seen.
        await context.AddInitScriptAsync("""
            document.addEventListener("DOMContentLoaded", () => {
              const seen = JSON.parse(sessionStorage.getItem("themes-seen") || "[]");
              seen.push(document.documentElement.dataset.theme + (document.documentElement.style.visibility === "hidden" ? ":hidden" : ""));
              sessionStorage.setItem("themes-seen", JSON.stringify(seen));
            });
            """);
        var page = await context.NewPageAsync();

        await page.GotoInteractiveAsync("/");

        await Expect(page.Locator(".mud-layout[data-theme='dark']")).ToBeAttachedAsync();
        var seen = await page.EvaluateAsync<string[]>("JSON.parse(sessionStorage.getItem('themes-seen'))");
        Assert.All(seen, theme => Assert.True(theme is "dark" or "light:hidden", $"a document was shown {theme}: {string.Join(", ", seen)}"));
        // From now on the server knows: the HTML itself is dark.
        var again = (await page.ReloadAsync())!;
        Assert.Contains("""<html lang="en" data-theme="dark">""", await again.TextAsync());
        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task Chromiums_client_hint_alone_makes_the_first_html_dark_and_a_toggle_beats_it()
    {
        using var http = dashboard.Host.CreateClient();
        using var hinted = new HttpRequestMessage(HttpMethod.Get, "/");
        hinted.Headers.Add("Sec-CH-Prefers-Color-Scheme", "\"dark\"");
        var response = await http.SendAsync(hinted);
        Assert.Contains("""data-theme="dark">""", await response.Content.ReadAsStringAsync());
        Assert.Contains("Sec-CH-Prefers-Color-Scheme", response.Headers.GetValues("Accept-CH"));

        using var chosen = new HttpRequestMessage(HttpMethod.Get, "/");
        chosen.Headers.Add("Sec-CH-Prefers-Color-Scheme", "\"dark\"");
        chosen.Headers.Add("Cookie", "wd-theme=light");
        Assert.Contains("""data-theme="light">""", await (await http.SendAsync(chosen)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_theme_toggle_is_remembered_across_a_reload()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString(), new BrowserNewContextOptions { ColorScheme = ColorScheme.Light });
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/incidents");
        await Expect(page.Locator(".mud-layout[data-theme='light']")).ToBeAttachedAsync();
        await Expect(page.Locator("nav[aria-label='Main'] a[aria-current='page']")).ToHaveTextAsync("Incidents");

        await page.GetByTestId("theme-toggle").ClickAsync();

        await Expect(page.Locator(".mud-layout[data-theme='dark']")).ToBeAttachedAsync();
        await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-pressed", "true");
        var reloaded = (await page.ReloadAsync())!;
        Assert.Contains("""<html lang="en" data-theme="dark">""", await reloaded.TextAsync());
        await Expect(page.Locator(Webordinary.Dashboard.Testing.DashboardHost.InteractiveSelector + "[data-theme='dark']")).ToBeAttachedAsync();
    }

    [Fact]
    public async Task An_unknown_address_is_a_page_in_the_layout_for_browsers_and_ProblemDetails_for_the_api()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString());
        var page = await context.NewPageAsync();

        var response = (await page.GotoAsync("/no/such/page"))!;

        Assert.Equal(404, response.Status);
        await Expect(page.Locator(Webordinary.Dashboard.Testing.DashboardHost.InteractiveSelector)).ToBeAttachedAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Page not found");
        await Expect(page.GetByTestId("not-found").Locator("xpath=ancestor::main")).ToHaveCountAsync(1);
        await Expect(page.Locator("main")).ToContainTextAsync("/no/such/page");
        await Expect(page).ToHaveTitleAsync("Not found · Webordinary Dashboard");
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        await page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "Back to the overview" }).ClickAsync();
        await Expect(page.Locator("#overview-title")).ToBeVisibleAsync();

        using var http = dashboard.Host.CreateClient();
        var api = await http.GetAsync("api/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }
}
