using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>The API reference (Scalar, served by the dashboard) renders the OpenAPI document under the dashboard's CSP.</summary>
public sealed class ApiReferenceBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Api_reference_renders_every_operation_without_a_csp_violation()
    {
        await using var host = await DashboardHost.StartAsync(AttackTarget.Settings());
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();

        await page.GotoAsync("/api/docs");

        await Expect(page.Locator("body")).ToContainTextAsync("Webordinary Dashboard API", new() { Timeout = 30_000 });
        await Expect(page.Locator("body")).ToContainTextAsync("/api/probes/run-all");
        // Scalar's bundle (its Zod) probes once whether it may compile code (`try { Function("") }`); the policy refuses
        // and the reference works without it. Anything else is a failure.
        chromium.AssertNoCspViolations("script-src blocked eval in " + new Uri(host.BaseAddress, "api/docs/scalar.js"));
    }
}
