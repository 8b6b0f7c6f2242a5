using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>What the user looks at is in the URL: a reload (or the link sent to someone) shows the same view.</summary>
public sealed class UrlStateBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Opened_run_chart_range_and_overview_filter_survive_a_reload()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName);
        DashboardHost.AddProbe(settings, "heartbeat", CloudWatchHeartbeatProbe.KindName);
        settings["Dashboard:Probes:hermes:Tags:0"] = "edge";
        settings["Dashboard:Probes:heartbeat:Tags:0"] = "edge";
        await using var host = await DashboardHost.StartAsync(settings);
        var run = await host.RunProbeAsync("ecs");
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();

        // The probe page: open a run, pick the 24 h range.
        await page.GotoInteractiveAsync("/probes/ecs");
        await page.Locator($"tr.run-row[data-run-id='{run.Id}']").ClickAsync();
        await Expect(page.Locator($"tr.run-details[data-run-id='{run.Id}']")).ToBeVisibleAsync();
        await page.Locator("button[data-range='24h']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"range=24h"));
        await Expect(page).ToHaveURLAsync(new Regex($"run={run.Id}"));

        await page.ReloadAsync();

        // Prerendered already as it was left.
        await Expect(page.Locator($"tr.run-details[data-run-id='{run.Id}']")).ToBeVisibleAsync();
        await Expect(page.Locator("button[data-range='24h']")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator("button[data-range='7d']")).ToHaveAttributeAsync("aria-pressed", "false");

        // The overview: search, one tag, grouped by component.
        await page.GotoInteractiveAsync("/");
        var search = page.Locator("input[data-testid='filter-text'], [data-testid='filter-text'] input").First;
        await search.FillAsync("edge");
        await Expect(page).ToHaveURLAsync(new Regex("q=edge"));
        await page.GetByText("Group by component").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("group=component"));
        await Expect(page.Locator("[data-probe-id]")).ToHaveCountAsync(2);

        await page.ReloadAsync();

        await Expect(page.Locator(DashboardHost.InteractiveSelector)).ToBeAttachedAsync();
        await Expect(search).ToHaveValueAsync("edge");
        await Expect(page.Locator("[data-probe-id='hermes']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-probe-id='heartbeat']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-probe-id='ecs']")).ToHaveCountAsync(0);
        await Expect(page.Locator("tr.probe-group")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("filter-count")).ToHaveTextAsync("2 of 3 shown");
        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task Audit_filter_survives_a_reload_and_a_filter_that_is_none_shows_the_page()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();
        (await http.PostAsync("/api/probes/ecs/run", null)).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/maintenance", new { reason = "Hermes upgrade", duration = "01:00:00" })).EnsureSuccessStatusCode();
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/audit");
        await Expect(page.Locator("tr.audit-row")).ToHaveCountAsync(2);

        await page.GetByTestId("audit-action").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "MaintenanceStart", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("action=MaintenanceStart"));
        await Expect(page.Locator("tr.audit-row")).ToHaveCountAsync(1);
        await page.ReloadAsync();
        await Expect(page.Locator(DashboardHost.InteractiveSelector)).ToBeAttachedAsync();
        await Expect(page.Locator("tr.audit-row[data-action='MaintenanceStart']")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr.audit-row")).ToHaveCountAsync(1);

        // An action that is not one (a number, a typo) is no filter; an actor longer than the field takes is cut to it.
        await page.GotoInteractiveAsync($"/audit?action=7&actor={new string('x', 5000)}");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Audit log");
        await Expect(page.Locator("tr.audit-row")).ToHaveCountAsync(0);
        await Expect(page.GetByText("No entries match.")).ToBeVisibleAsync();
        await page.GotoInteractiveAsync("/audit?action=RunNowX");
        await Expect(page.Locator("tr.audit-row")).ToHaveCountAsync(2);
        chromium.AssertNoCspViolations();
    }
}
