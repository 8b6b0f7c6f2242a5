using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>The overview in a real browser: live over the Blazor circuit, no reloads.</summary>
public sealed class OverviewBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const int HermesIntervalSeconds = 2;
    private DashboardHost _host = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Dashboard:RunNowCooldown"] = "00:00:01";
        DashboardHost.AddProbe(settings, "ecs-hermes-service", EcsServiceProbe.KindName, interval: "00:00:05");
        DashboardHost.AddProbe(settings, "cloudwatch-heartbeat", CloudWatchHeartbeatProbe.KindName, interval: "00:00:05");
        DashboardHost.AddProbe(settings, "hermes-health", HermesHealthProbe.KindName, interval: $"00:00:0{HermesIntervalSeconds}");
        DashboardHost.AddProbe(settings, "dynamodb-manual", DynamoDbTableProbe.KindName);
        _host = await DashboardHost.StartAsync(settings);
        _context = await chromium.NewContextAsync(_host.BaseAddress.ToString());
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.CloseAsync();
        chromium.AssertNoCspViolations();
        await _host.DisposeAsync();
    }

    private ILocator Row(string probeId) => _page.Locator($"tr.probe-row[data-probe-id='{probeId}']");

    [Fact]
    public async Task Overview_shows_every_probe_and_they_turn_green()
    {
        await _page.GotoInteractiveAsync("/");

        await Expect(_page.Locator("#overview-title")).ToHaveTextAsync("Platform health");
        await Expect(_page.Locator("tr.probe-row")).ToHaveCountAsync(4);
        foreach (var probeId in new[] { "ecs-hermes-service", "cloudwatch-heartbeat", "hermes-health" })
        {
            await Expect(Row(probeId)).ToHaveAttributeAsync("data-status", "Pass");
        }

        await Expect(Row("dynamodb-manual")).ToHaveAttributeAsync("data-status", "Unknown");
    }

    [Fact]
    public async Task Run_now_shows_the_running_state_then_the_new_result_without_a_reload()
    {
        await _page.GotoInteractiveAsync("/");
        await Expect(Row("dynamodb-manual")).ToHaveAttributeAsync("data-status", "Unknown");
        await _page.EvaluateAsync("window.__sameDocument = true");
        // Slow enough for the running state to be seen.
        _host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Slow, LatencyMs: 400));

        await Row("dynamodb-manual").Locator("button[data-testid='run-now']").ClickAsync();

        await Expect(Row("dynamodb-manual")).ToHaveAttributeAsync("data-running", "true");
        await Expect(Row("dynamodb-manual").Locator(".probe-progress")).ToBeVisibleAsync();
        await Expect(Row("dynamodb-manual")).ToHaveAttributeAsync("data-running", "false");
        await Expect(Row("dynamodb-manual")).ToHaveAttributeAsync("data-status", "Pass");
        await Expect(Row("dynamodb-manual").Locator(".probe-last-message")).ToContainTextAsync("put/get/delete OK");
        Assert.True(await _page.EvaluateAsync<bool>("window.__sameDocument === true"), "the page was reloaded");
    }

    [Fact]
    public async Task Injected_fault_turns_the_row_red_within_interval_plus_two_seconds()
    {
        await _page.GotoInteractiveAsync("/");
        await Expect(Row("hermes-health")).ToHaveAttributeAsync("data-status", "Pass");
        using var http = _host.CreateClient();

        var injected = Stopwatch.StartNew();
        var response = await http.PutAsJsonAsync("api/sandbox/faults/hermes", new { mode = "down" });
        response.EnsureSuccessStatusCode();

        await Expect(Row("hermes-health")).ToHaveAttributeAsync("data-status", "Fail",
            new LocatorAssertionsToHaveAttributeOptions { Timeout = (HermesIntervalSeconds + 2) * 1000 });
        Assert.InRange(injected.Elapsed.TotalSeconds, 0, HermesIntervalSeconds + 2);
        await Expect(Row("hermes-health").Locator(".probe-last-message")).ToContainTextAsync("HTTP 503");
    }

    [Fact]
    public async Task Probe_page_lists_runs_and_shows_a_failed_steps_reason()
    {
        _host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Throttle));
        var failed = await _host.RunProbeAsync("dynamodb-manual");

        await _page.GotoInteractiveAsync("/probes/dynamodb-manual");
        var row = _page.Locator($"tr.run-row[data-run-id='{failed.Id}']");
        await Expect(row).ToHaveAttributeAsync("data-outcome", "Fail");
        await row.ClickAsync();

        var details = _page.Locator($"tr.run-details[data-run-id='{failed.Id}']");
        await Expect(details.Locator("tr.run-step[data-step-name='Describe table']")).ToHaveAttributeAsync("data-step-outcome", "Fail");
        await Expect(details).ToContainTextAsync("ThrottlingException");
        await Expect(details).ToContainTextAsync("request id");
    }
}
