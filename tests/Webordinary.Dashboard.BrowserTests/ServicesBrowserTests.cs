using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>Parking Hermes from the services page, watched live from a second page on the overview.</summary>
public sealed class ServicesBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Hermes = "webordinary-hermes-service";

    [Fact]
    public async Task Scale_hermes_to_zero_through_the_confirmation_dialog_and_see_both_pages_follow()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "hermes-health", HermesHealthProbe.KindName, interval: "00:00:01");
        DashboardHost.AddProbe(settings, "ecs-hermes-service", EcsServiceProbe.KindName, interval: "00:00:01");
        await using var host = await DashboardHost.StartAsync(settings);
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var services = await context.NewPageAsync();
        var overview = await context.NewPageAsync();
        await overview.GotoInteractiveAsync("/");
        await Expect(overview.Locator("tr.probe-row[data-probe-id='hermes-health']")).ToHaveAttributeAsync("data-status", "Pass");
        await services.GotoInteractiveAsync("/services");
        var card = services.Locator($"[data-service='{Hermes}']");
        await Expect(card).ToHaveAttributeAsync("data-running", "1");

        await card.Locator("button[data-testid='scale']").ClickAsync();
        var dialog = services.Locator(".mud-dialog");
        await dialog.Locator("input[data-testid='desired-count'], [data-testid='desired-count'] input").FillAsync("0");
        var submit = dialog.Locator("button[data-testid='scale-submit']");
        await Expect(submit).ToBeDisabledAsync();
        await Expect(dialog).ToContainTextAsync("hermes-health");
        await dialog.Locator("input[data-testid='confirm-name'], [data-testid='confirm-name'] input").FillAsync(Hermes);
        await Expect(submit).ToBeEnabledAsync();
        await submit.ClickAsync();

        await Expect(card).ToHaveAttributeAsync("data-desired", "0");
        await Expect(card).ToHaveAttributeAsync("data-running", "0");
        await Expect(card).ToHaveAttributeAsync("data-parked", "true");
        await Expect(overview.Locator("tr.probe-row[data-probe-id='hermes-health']")).ToHaveAttributeAsync("data-status", "Parked");
        await Expect(overview.Locator("tr.probe-row[data-probe-id='ecs-hermes-service']")).ToHaveAttributeAsync("data-status", "Parked");
        await services.GotoInteractiveAsync("/audit");
        await Expect(services.Locator("tr.audit-row").First).ToHaveAttributeAsync("data-outcome", "Completed");
        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task A_schedule_disabled_by_configuration_is_listed_as_such_with_no_next_run_and_no_switch()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Scaling:Schedules:park-weekday-evenings:Service"] = Hermes;
        settings["Scaling:Schedules:park-weekday-evenings:Cron"] = "0 0 20 ? * MON-FRI";
        settings["Scaling:Schedules:park-weekday-evenings:DesiredCount"] = "0";
        settings["Scaling:Schedules:park-weekday-evenings:Enabled"] = "false";
        await using var host = await DashboardHost.StartAsync(settings);
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();

        await page.GotoInteractiveAsync("/services");

        var row = page.Locator("tr[data-schedule='park-weekday-evenings']");
        await Expect(row).ToHaveAttributeAsync("data-enabled", "false");
        await Expect(row.GetByTestId("schedule-disabled")).ToContainTextAsync("Disabled by configuration: never fires (Scaling:Schedules:park-weekday-evenings:Enabled)");
        await Expect(row.Locator(".mud-switch")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_rollout_that_starts_after_the_pages_last_tick_shows_zero_then_counts_up_never_below_zero()
    {
        // ECS is read once at the start and then not for an hour: the only snapshot after it is the test's.
        var settings = DashboardHost.BaseSettings();
        settings["Scaling:PollInterval"] = "01:00:00";
        settings["Scaling:ClusterPollInterval"] = "01:00:00";
        await using var host = await DashboardHost.StartAsync(settings);
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/services");
        var card = page.Locator($"[data-service='{Hermes}']");
        await Expect(card).ToHaveAttributeAsync("data-running", "1");
        var feed = host.Get<Webordinary.Dashboard.Probes.Scaling.ServiceStatusFeed>();
        var current = feed.Current;

        // A start stamped 4 s ahead of the server's clock (another host's clock, or the page's tick just before it).
        var ahead = DateTimeOffset.UtcNow.AddSeconds(4);
        var rollout = new Webordinary.Dashboard.Probes.Scaling.RolloutProgress("audit-1", new Webordinary.Dashboard.Probes.Audit.Actor("test", "Operator", "test"),
            Webordinary.Dashboard.Probes.Scaling.ScaleReason.Manual, 1, 2, ahead, "Starting");
        feed.Publish(current with { Services = [.. current.Services.Select(s => s.Service.Name == Hermes ? s with { Rollout = rollout } : s)] });

        var timer = card.GetByTestId("rollout").Locator(".duration");
        await Expect(timer).ToHaveTextAsync("0 ms");
        // The page's own clock moves it on once the start is behind it.
        await Expect(timer).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[1-9][\d.]* (ms|s)$"), new() { Timeout = 15_000 });
        Assert.DoesNotContain("-", await timer.TextContentAsync() ?? "");
    }
}
