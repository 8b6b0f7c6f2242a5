using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>The dashboard with the keyboard alone: skip link, Run now, a run's steps, the Scale dialog and back.</summary>
public sealed class KeyboardBrowserTests(ChromiumFixture chromium, EveryPageHost dashboard) : IClassFixture<ChromiumFixture>, IClassFixture<EveryPageHost>
{
    private const string Hermes = "webordinary-hermes-service";

    /// <summary>Presses Tab (or <paramref name="key"/>) until <paramref name="target"/> has the focus (at most <paramref name="limit"/> times).</summary>
    private static async Task TabToAsync(IPage page, ILocator target, int limit = 80, string key = "Tab")
    {
        for (var i = 0; i < limit; i++)
        {
            await page.Keyboard.PressAsync(key);
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                return;
            }
        }

        Assert.Fail($"Tab did not reach {target} in {limit} presses");
    }

    [Fact]
    public async Task Skip_link_Run_now_a_runs_steps_and_the_Scale_dialog_by_keyboard_alone()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString());
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/");

        // The page starts with the focus on its heading (FocusOnNavigate); before it, the skip link, the first stop
        // of the page, takes the focus to the content.
        await Expect(page.Locator("h1")).ToBeFocusedAsync();
        await TabToAsync(page, page.GetByTestId("skip-link"), 20, "Shift+Tab");
        await Expect(page.GetByTestId("skip-link")).ToBeInViewportAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("main")).ToBeFocusedAsync();

        // Run now, by Enter.
        var row = page.Locator($"tr.probe-row[data-probe-id='{EveryPageHost.UnrunProbe}']");
        await TabToAsync(page, row.GetByTestId("run-now"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(row).ToHaveAttributeAsync("data-status", "Pass");

        // Maintenance…: Escape closes it and the focus is back on its button.
        var maintenance = page.GetByTestId("start-maintenance");
        await TabToAsync(page, maintenance, 80, "Shift+Tab");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".mud-dialog-container :focus")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);
        await Expect(maintenance).ToBeFocusedAsync();

        // A run's steps open with Enter and close with Space.
        await page.GotoInteractiveAsync($"/probes/{EveryPageHost.FailingProbe}");
        var run = page.Locator($"tr.run-row[data-run-id='{dashboard.FailedRunId}']");
        var toggle = run.GetByTestId("run-toggle");
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await TabToAsync(page, toggle);
        await page.Keyboard.PressAsync("Enter");
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        var details = page.Locator($"tr.run-details[data-run-id='{dashboard.FailedRunId}']");
        await Expect(details).ToContainTextAsync("ThrottlingException");
        await Expect(page.Locator($"#{await toggle.GetAttributeAsync("aria-controls")}")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync(" ");
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(details).ToHaveCountAsync(0);

        // Scale: to 0 asks for the name; Escape leaves it as it was, and the focus is back on Scale.
        await page.GotoInteractiveAsync("/services");
        var scale = page.Locator($"[data-service='{Hermes}'] button[data-testid='scale']");
        await TabToAsync(page, scale);
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.Locator(".mud-dialog");
        // As a person would: Tab once the dialog is there and has the focus.
        await Expect(page.Locator(".mud-dialog-container :focus")).ToHaveCountAsync(1);
        var desired = dialog.Locator("input[data-testid='desired-count'], [data-testid='desired-count'] input");
        await TabToAsync(page, desired, 10);
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("0");
        var confirm = dialog.Locator("input[data-testid='confirm-name'], [data-testid='confirm-name'] input");
        await TabToAsync(page, confirm, 10);
        await page.Keyboard.TypeAsync(Hermes);
        await Expect(dialog.GetByTestId("scale-submit")).ToBeEnabledAsync();
        await Expect(dialog.GetByTestId("scale-submit")).ToHaveTextAsync("Park service");

        await page.Keyboard.PressAsync("Escape");

        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(scale).ToBeFocusedAsync();
        Assert.NotEqual(0, dashboard.Host.Get<ServiceStatusFeed>().Current.Services.Single(s => s.Service.Name == Hermes).Service.DesiredCount);
        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task Parking_by_keyboard_leaves_the_focus_on_the_content_while_the_rollout_disables_Scale()
    {
        // A stopping task drains for an hour: the rollout stays under way, so Scale stays disabled after the dialog.
        var settings = DashboardHost.BaseSettings();
        settings["Sandbox:DrainDelay"] = "01:00:00";
        await using var host = await DashboardHost.StartAsync(settings);
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/services");
        var card = page.Locator($"[data-service='{Hermes}']");
        var scale = card.Locator("button[data-testid='scale']");
        await Expect(card).ToHaveAttributeAsync("data-running", "1");

        await TabToAsync(page, scale);
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.Locator(".mud-dialog");
        await Expect(page.Locator(".mud-dialog-container :focus")).ToHaveCountAsync(1);
        await TabToAsync(page, dialog.Locator("input[data-testid='desired-count'], [data-testid='desired-count'] input"), 10);
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("0");
        await TabToAsync(page, dialog.Locator("input[data-testid='confirm-name'], [data-testid='confirm-name'] input"), 10);
        await page.Keyboard.TypeAsync(Hermes);
        var park = dialog.GetByTestId("scale-submit");
        await Expect(park).ToBeEnabledAsync();
        await TabToAsync(page, park, 10);
        await page.Keyboard.PressAsync("Enter");

        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(card).ToHaveAttributeAsync("data-desired", "0");
        await Expect(card.GetByTestId("rollout")).ToBeVisibleAsync();
        await Expect(scale).ToBeDisabledAsync();
        // The opener cannot take the focus back: the content has it, so Tab goes on from the page, not from <body>.
        await Expect(page.Locator("main")).ToBeFocusedAsync();
        Assert.Equal(0, host.Get<ServiceStatusFeed>().Current.Services.Single(s => s.Service.Name == Hermes).Service.DesiredCount);
        await Expect(card.Locator("[role='progressbar']")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex($"^{Hermes} rollout "));
        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task Scale_says_why_a_count_above_the_maximum_cannot_be_used()
    {
        await using var context = await chromium.NewContextAsync(dashboard.Host.BaseAddress.ToString());
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/services");
        await page.Locator($"[data-service='{Hermes}'] button[data-testid='scale']").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        var desired = dialog.Locator("input[data-testid='desired-count'], [data-testid='desired-count'] input");

        await desired.FillAsync("7");

        await Expect(desired).ToHaveValueAsync("7");
        await Expect(dialog).ToContainTextAsync("7 is more than this service's maximum of 2");
        await Expect(dialog.GetByTestId("scale-submit")).ToBeDisabledAsync();
        await desired.FillAsync("2");
        await Expect(dialog).Not.ToContainTextAsync("more than this service's maximum");
        await Expect(dialog.GetByTestId("scale-submit")).ToBeEnabledAsync();
    }
}
