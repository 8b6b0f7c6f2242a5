using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>
/// The attacks of the "safe to share" issue, as a web page the operator opens would make: a page on a second loopback
/// origin (same site, other port) and on a foreign site auto-submits forms and no-cors fetches at the scale, run-all
/// and schedule endpoints and opens WebSockets to both hubs. Every request is refused and nothing changes. A foreign
/// name rebound to the dashboard's address gets 400.
/// </summary>
public sealed class CrossSiteAttackBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Hermes = AttackTarget.Hermes;
    private const string Schedule = AttackTarget.Schedule;
    private readonly ConcurrentQueue<(string Method, string Path, int Status)> _served = new();
    private DashboardHost _dashboard = null!;
    private WebApplication _attacker = null!;

    public async Task InitializeAsync()
    {
        _dashboard = await DashboardHost.StartAsync(AttackTarget.Settings(), configureApp: app => app.Use(async (context, next) =>
        {
            await next(context);
            _served.Enqueue((context.Request.Method, context.Request.Path.Value ?? "", context.Response.StatusCode));
        }));
        var target = _dashboard.BaseAddress.GetLeftPart(UriPartial.Authority);
        _attacker = await StubServer.StartAsync(app => app.MapGet("/attack", () => Results.Content(AttackPage(target), "text/html")));
    }

    public async Task DisposeAsync()
    {
        await _attacker.DisposeAsync();
        await _dashboard.DisposeAsync();
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("attacker.test")]
    public async Task Attack_page_changes_nothing_and_its_websockets_are_refused(string attackerHost)
    {
        var attackerUrl = $"http://{attackerHost}:{new Uri(_attacker.Urls.First()).Port}/attack";
        await using var context = await chromium.NewContextAsync(_dashboard.BaseAddress.ToString());
        var page = await context.NewPageAsync();

        await page.GotoAsync(attackerUrl);
        await page.WaitForFunctionAsync("window.done === true");
        // The two forms post into frames; their answers arrive on their own.
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-frames-loaded", "2");

        var results = await page.EvaluateAsync<JsonElement>("window.results");
        Assert.StartsWith("error", results.GetProperty("fault").GetString());
        Assert.Equal("refused", results.GetProperty("hub").GetString());
        Assert.Equal("refused", results.GetProperty("blazor").GetString());
        // What reached the dashboard: every attempt, each refused before it ran.
        var attempts = _served.Where(a => a.Method is "POST" or "PUT" || a.Path.Contains("hubs") || a.Path.Contains("_blazor")).ToList();
        Assert.Equal(2, attempts.Count(a => a.Method == "POST" && a.Path == $"/api/services/{Hermes}/scale"));
        Assert.Single(attempts, a => a.Method == "POST" && a.Path == $"/api/schedules/{Schedule}/pause");
        Assert.Single(attempts, a => a.Method == "POST" && a.Path == "/api/probes/run-all");
        Assert.Single(attempts, a => a.Path == "/hubs/status");
        Assert.Single(attempts, a => a.Path == "/_blazor");
        Assert.All(attempts, a => Assert.Equal(403, a.Status));
        // The PUT with a JSON body needs a CORS preflight, which is not answered with permission: it is never sent.
        Assert.DoesNotContain(_served, a => a.Method == "PUT");
        Assert.Empty(await AttackTarget.ChangesAsync(_dashboard));

        // The dashboard's own pages in the same browser still work, their circuit's WebSocket included.
        var own = await context.NewPageAsync();
        await own.GotoInteractiveAsync("/services");
        await Expect(own.Locator($"[data-service='{Hermes}']")).ToHaveAttributeAsync("data-desired", "1");
        Assert.Contains(_served, a => a.Path == "/_blazor/negotiate" && a.Status == 200);
        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task A_foreign_name_rebound_to_the_dashboards_address_gets_400()
    {
        await using var context = await chromium.NewContextAsync(_dashboard.BaseAddress.ToString());
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync($"http://evil.example:{_dashboard.BaseAddress.Port}/services");
        var api = await page.GotoAsync($"http://evil.example:{_dashboard.BaseAddress.Port}/api/services");

        Assert.Equal(400, response!.Status);
        Assert.Equal(400, api!.Status);
    }

    private static string AttackPage(string target)
    {
        var ws = "ws" + target[4..];
        return $$"""
            <!DOCTYPE html>
            <html><body data-frames-loaded="0">
            <iframe name="sink1"></iframe><iframe name="sink2"></iframe>
            <form id="scale" method="POST" enctype="text/plain" target="sink1" action="{{target}}/api/services/{{Hermes}}/scale"><input name='{"desiredCount":0,"x":"' value='"}'></form>
            <form id="pause" method="POST" target="sink2" action="{{target}}/api/schedules/{{Schedule}}/pause"></form>
            <script>
            window.results = {};
            let loaded = 0;
            for (const frame of document.querySelectorAll("iframe")) {
              frame.addEventListener("load", () => document.body.dataset.framesLoaded = String(++loaded));
            }
            function socket(url) {
              return new Promise(resolve => {
                const s = new WebSocket(url);
                s.onopen = () => { resolve("open"); s.close(); };
                s.onerror = () => resolve("refused");
              });
            }
            async function attempt(name, call) {
              try { await call(); results[name] = "sent"; } catch (e) { results[name] = "error: " + e; }
            }
            (async () => {
              document.getElementById("scale").submit();
              document.getElementById("pause").submit();
              await attempt("runAll", () => fetch("{{target}}/api/probes/run-all", { method: "POST", mode: "no-cors" }));
              await attempt("scale", () => fetch("{{target}}/api/services/{{Hermes}}/scale",
                { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: '{"desiredCount":0}' }));
              await attempt("fault", () => fetch("{{target}}/api/sandbox/faults/hermes",
                { method: "PUT", headers: { "Content-Type": "application/json" }, body: '{"mode":"down"}' }));
              results.hub = await socket("{{ws}}/hubs/status");
              results.blazor = await socket("{{ws}}/_blazor");
              window.done = true;
            })();
            </script>
            </body></html>
            """;
    }
}
