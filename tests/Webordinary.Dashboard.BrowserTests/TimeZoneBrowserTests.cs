using System.Globalization;
using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>Times are shown in the browser's time zone, the zone named, whatever the server's zone is (UTC here).</summary>
public sealed class TimeZoneBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Auckland = "Pacific/Auckland";

    [Fact]
    public async Task Browser_in_Auckland_sees_run_times_in_New_Zealand_time_with_the_zone_and_UTC_on_hover()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        var run = await host.RunProbeAsync("ecs");
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Auckland);
        // +13 in the southern summer (NZDT), +12 in winter (NZST): whichever applies on the run's day.
        var offset = zone.GetUtcOffset(run.StartedAt);
        var expected = $"{TimeZoneInfo.ConvertTime(run.StartedAt, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC+{offset.Hours}";
        var utc = run.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString(), new BrowserNewContextOptions { TimezoneId = Auckland });
        var page = await context.NewPageAsync();

        // First visit: no cookie yet, so the prerender is in UTC (and says so); the circuit asks the browser.
        await page.GotoInteractiveAsync("/probes/ecs");
        var time = page.Locator($"tr.run-row[data-run-id='{run.Id}'] time.local-time");
        await Expect(time).ToHaveTextAsync(expected);
        await Expect(time).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(utc)} · .*\\+{offset.Hours:00}:00 \\({Auckland}\\)$"));
        await Expect(page.GetByTestId("history-zone")).ToContainTextAsync($"UTC+{offset.Hours} ({Auckland})");

        // The browser's cookie has the zone: the next page comes prerendered in it, before any circuit.
        var cookies = await context.CookiesAsync();
        Assert.Contains(cookies, c => c is { Name: "webordinary-tz", Value: Auckland });
        var html = await (await page.APIRequest.GetAsync(host.BaseAddress + "probes/ecs")).TextAsync();
        Assert.Contains($">{expected}</time>", System.Net.WebUtility.HtmlDecode(html));
        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task Day_buckets_are_labelled_with_their_UTC_date_in_a_zone_on_another_date()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        await host.RunProbeAsync("ecs");
        // A zone whose date is not UTC's right now: a day's bucket labelled in it would name the day before or after.
        var now = DateTimeOffset.UtcNow;
        var zoneId = now.Hour >= 10 ? "Pacific/Kiritimati" : "Pacific/Pago_Pago";
        var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(zoneId));
        Assert.NotEqual(now.UtcDateTime.Date, local.Date);
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString(), new BrowserNewContextOptions { TimezoneId = zoneId });
        var page = await context.NewPageAsync();

        await page.GotoInteractiveAsync("/probes/ecs?range=30d");

        await Expect(page.GetByTestId("history-zone")).ToContainTextAsync($"({zoneId}); days are UTC days");
        var uptime = page.Locator("[data-testid='uptime-chart'] .history-axis-last");
        await Expect(uptime).ToHaveTextAsync(now.UtcDateTime.ToString("MM-dd", CultureInfo.InvariantCulture));
    }
}
