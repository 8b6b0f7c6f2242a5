using System.Globalization;
using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>Hermes parked, as the overview shows it in Chromium: a banner saying who and when, grey chips, Warm up.</summary>
public sealed class ParkingBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Hermes = "webordinary-hermes-service";
    private const string Auckland = "Pacific/Auckland";

    [Fact]
    public async Task Parking_shows_a_banner_in_the_browsers_zone_grey_parked_chips_and_warm_up_brings_the_probes_back()
    {
        var settings = DashboardHost.BaseSettings();
        // Hourly: the probes turn Parked and back because parking and warming re-run them, not because their time came.
        DashboardHost.AddProbe(settings, "hermes-health", HermesHealthProbe.KindName, interval: "01:00:00");
        DashboardHost.AddProbe(settings, "ecs-hermes-service", EcsServiceProbe.KindName, interval: "01:00:00");
        await using var host = await DashboardHost.StartAsync(settings);
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString(), new BrowserNewContextOptions { TimezoneId = Auckland });
        var page = await context.NewPageAsync();
        await page.GotoInteractiveAsync("/");
        var hermes = page.Locator("tr.probe-row[data-probe-id='hermes-health']");
        await Expect(hermes).ToHaveAttributeAsync("data-status", "Pass");

        var result = await host.Get<ServiceScaler>().RequestAsync(Hermes, 0, ScaleReason.Manual, new Actor("ops-1", "Olivia", "oidc"), CancellationToken.None);

        var banner = page.GetByTestId("parked-banner");
        await Expect(banner).ToContainTextAsync($"{Hermes} parked by Olivia (oidc) at ");
        await Expect(banner).ToContainTextAsync("2 probe(s) paused");
        var audited = (await host.Get<AuditLog>().ListAsync(new AuditQuery(1, Action: AuditAction.Scale), CancellationToken.None)).Single();
        Assert.Equal(result.AuditId, audited.Id);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Auckland);
        var local = TimeZoneInfo.ConvertTime(audited.At, zone).ToString("HH:mm", CultureInfo.InvariantCulture);
        await Expect(banner.Locator("time.local-time")).ToHaveTextAsync($"{local} UTC+{zone.GetUtcOffset(audited.At).Hours}");
        await Expect(hermes).ToHaveAttributeAsync("data-status", "Parked");
        var chip = hermes.Locator(".status-chip");
        await Expect(chip).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-chip-color-default"));
        await Expect(chip.Locator("svg")).ToBeVisibleAsync();
        // Neutral grey: no hue (red, green and blue alike), so it does not read as an error.
        var background = await chip.EvaluateAsync<string>("c => getComputedStyle(c).backgroundColor");
        var rgb = System.Text.RegularExpressions.Regex.Matches(background, @"\d+").Take(3).Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(rgb.Max() - rgb.Min() <= 8, $"the Parked chip is {background}, not grey");

        await banner.GetByTestId("warm-up").ClickAsync();

        await Expect(banner).ToHaveCountAsync(0);
        await Expect(hermes).ToHaveAttributeAsync("data-status", "Pass", new() { Timeout = 30_000 });
        var warmUp = (await host.Get<AuditLog>().ListAsync(new AuditQuery(1, Action: AuditAction.Scale), CancellationToken.None)).Single();
        Assert.Equal((0, 1), (warmUp.Scale!.From, warmUp.Scale.To));
        chromium.AssertNoCspViolations();
    }
}
