using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>
/// axe-core (WCAG 2.2 AA and best practices) on every page, light and dark, desktop and phone: no serious or critical
/// violation; the moderate and minor ones are listed in the test output. Also the states a page only shows after a
/// click or with a fault in place.
/// </summary>
public sealed class AccessibilityBrowserTests(ChromiumFixture chromium, EveryPageHost dashboard, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>, IClassFixture<EveryPageHost>
{
    private static readonly AxeRunOptions Rules = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    };

    /// <summary>Desktop and phone, light and dark.</summary>
    public static readonly TheoryData<int, int, string> Viewports = new()
    {
        { 1400, 900, "light" }, { 1400, 900, "dark" }, { 390, 844, "light" }, { 390, 844, "dark" },
    };

    [Theory]
    [MemberData(nameof(Viewports))]
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
            await CheckAsync(page, $"{path} [{width} {scheme}]", scheme, blocking);
        }

        Assert.True(blocking.Length == 0, $"Serious or critical axe violations:{Environment.NewLine}{blocking}");
    }

    /// <summary>
    /// What the page list above never shows: an open incident's banner, the filtered and grouped overview, both
    /// dialogs, a failed run's steps opened, the phone's menu.
    /// </summary>
    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task Opened_dialogs_steps_menu_filters_and_an_incident_have_no_serious_or_critical_axe_violations(int width, int height, string scheme)
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs-hermes-service", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "hermes-health", HermesHealthProbe.KindName);
        DashboardHost.AddProbe(settings, EveryPageHost.FailingProbe, DynamoDbTableProbe.KindName);
        settings["Dashboard:Probes:hermes-health:Tags:0"] = "edge";
        // One failed run is an incident, and stays one: the table stays down.
        settings[$"Dashboard:Probes:{EveryPageHost.FailingProbe}:FailuresToDown"] = "1";
        settings[$"Dashboard:Probes:{EveryPageHost.FailingProbe}:ConfirmFailures"] = "false";
        await using var host = await DashboardHost.StartAsync(settings);
        await host.RunProbeAsync("ecs-hermes-service");
        await host.RunProbeAsync("hermes-health");
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        var failed = await host.RunProbeAsync(EveryPageHost.FailingProbe);
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString(), new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
        });
        var page = await context.NewPageAsync();
        var blocking = new StringBuilder();
        var states = new (string Name, Func<Task> Open)[]
        {
            ("incident, filtered and grouped", async () =>
            {
                await page.GotoInteractiveAsync("/?q=e&group=component");
                await Expect(page.GetByTestId("root-cause")).ToBeVisibleAsync();
                await Expect(page.Locator("tr.probe-group").First).ToBeVisibleAsync();
            }),
            ("maintenance dialog", async () =>
            {
                await page.GotoInteractiveAsync("/");
                await page.GetByTestId("start-maintenance").ClickAsync();
                await Expect(page.GetByTestId("maintenance-dialog")).ToBeVisibleAsync();
            }),
            ("failed run's steps", async () =>
            {
                await page.GotoInteractiveAsync($"/probes/{EveryPageHost.FailingProbe}?run={failed.Id}");
                await Expect(page.Locator($"tr.run-details[data-run-id='{failed.Id}']")).ToBeVisibleAsync();
            }),
            ("open incident", async () =>
            {
                await page.GotoInteractiveAsync("/incidents");
                await Expect(page.GetByText(EveryPageHost.FailingProbe).First).ToBeVisibleAsync();
            }),
            ("incident page", async () =>
            {
                await page.GotoInteractiveAsync("/incidents");
                await page.GetByTestId("incident-link").First.ClickAsync();
                await Expect(page.Locator("tr.timeline-entry[data-kind='opened']")).ToBeVisibleAsync();
                // Worked: acknowledged, with a note.
                await page.Locator("textarea[data-testid='note-text'], [data-testid='note-text'] textarea").FillAsync("Restarted the task.\nWatching the <b>table</b>.");
                await page.GetByTestId("note-add").ClickAsync();
                await page.GetByTestId("acknowledge").ClickAsync();
                await Expect(page.GetByTestId("incident-acknowledged")).ToBeVisibleAsync();
                await Expect(page.GetByTestId("incident-note")).ToBeVisibleAsync();
                // The confirmations fade in and out (axe measures a fading one's colours half-way): checked once they are gone.
                await Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 30_000 });
            }),
            ("scale dialog", async () =>
            {
                await page.GotoInteractiveAsync("/services");
                await page.GetByTestId("scale").ClickAsync();
                await Expect(page.GetByTestId("scale-dialog")).ToBeVisibleAsync();
            }),
        };
        foreach (var (name, open) in states)
        {
            await open();
            await CheckAsync(page, $"{name} [{width} {scheme}]", scheme, blocking);
        }

        if (width < 600)
        {
            await page.GotoInteractiveAsync("/");
            await page.GetByTestId("menu").ClickAsync();
            await Expect(page.Locator("nav[aria-label='Main menu']")).ToBeInViewportAsync();
            await CheckAsync(page, $"menu [{width} {scheme}]", scheme, blocking);
        }

        Assert.True(blocking.Length == 0, $"Serious or critical axe violations:{Environment.NewLine}{blocking}");
    }

    /// <summary>axe on the page as it is: every violation to the output, the serious and critical ones to <paramref name="blocking"/>.</summary>
    private async Task CheckAsync(IPage page, string label, string scheme, StringBuilder blocking)
    {
        await Expect(page.Locator($"html[data-theme='{scheme}']")).ToBeAttachedAsync();
        var result = await page.RunAxe(Rules);
        foreach (var violation in result.Violations)
        {
            var line = $"{label} {violation.Impact} {violation.Id}: {violation.Help} — " +
                string.Join(" | ", violation.Nodes.Take(4).Select(n => $"{n.Target} {string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))}"));
            output.WriteLine(line);
            if (violation.Impact is "serious" or "critical")
            {
                blocking.AppendLine(line);
            }
        }
    }
}
