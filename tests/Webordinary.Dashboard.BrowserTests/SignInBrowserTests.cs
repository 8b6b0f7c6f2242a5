using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>
/// Sign-in through a real OpenID provider (panva/oidc-provider, started by the test) in Chromium: a viewer sees Scale
/// disabled with the reason and is refused by the API and the hub; an admin scales; the audit log names both.
/// </summary>
public sealed class SignInBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Hermes = AttackTarget.Hermes;
    private OpenIdProvider _provider = null!;
    private DashboardHost _host = null!;
    private readonly CapturedLogs _logs = new();

    public async Task InitializeAsync()
    {
        var url = new Uri($"http://127.0.0.1:{DashboardHost.FreePort()}");
        _provider = await OpenIdProvider.StartAsync(url);
        var settings = AttackTarget.Settings();
        _provider.Configure(settings, url);
        _host = await DashboardHost.StartAsync(settings, configureServices: _logs.AddTo, url: url.ToString().TrimEnd('/'));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task Programs_without_credentials_get_401_and_pages_go_to_the_provider()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.BaseAddress };

        var api = await http.GetAsync("api/probes");
        var hub = await http.PostAsync("hubs/status/negotiate?negotiateVersion=1", null);
        var page = await http.GetAsync("services");

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Contains("Bearer", api.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, hub.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        // The handler pushes the request (PAR) when the provider offers it; the provider requires PKCE of this client, so
        // the sign-ins below succeed only with it.
        Assert.StartsWith(_provider.Issuer.ToString().TrimEnd('/') + "/auth?client_id=dashboard", page.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("alive")).StatusCode);

        // Another name for the same host: the provider is still given the public address to come back to.
        using var otherName = new HttpRequestMessage(HttpMethod.Get, "services");
        otherName.Headers.Host = $"localhost:{_host.BaseAddress.Port}";
        var viaOtherName = await http.SendAsync(otherName);
        Assert.Equal(HttpStatusCode.Redirect, viaOtherName.StatusCode);
        // A sign-in that comes back cancelled or forged is a page that says so, not a 500.
        foreach (var callback in new[] { "signin-oidc?error=access_denied", "signin-oidc?code=x&state=y", "signin-oidc" })
        {
            var failed = await http.GetAsync(callback);
            Assert.Equal(HttpStatusCode.Redirect, failed.StatusCode);
            Assert.Equal("/auth/failed", failed.Headers.Location!.OriginalString);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("auth/failed")).StatusCode);
    }

    [Fact]
    public async Task Claims_named_like_the_dashboards_own_from_the_provider_grant_nothing()
    {
        await using var context = await chromium.NewContextAsync(_host.BaseAddress.ToString());
        var page = await SignInAsync(context, "mallory", "/services");

        await Expect(page.Locator("[data-testid='user']")).ToContainTextAsync("Mallory · Viewer");
        await Expect(page.Locator($"[data-service='{Hermes}'] button[data-testid='scale']")).ToBeDisabledAsync();
        var withoutToken = await page.EvaluateAsync<int>("async () => (await fetch('/api/keys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{\"name\":\"x\",\"role\":\"Admin\"}' })).status");
        Assert.Equal(403, withoutToken);
        Assert.Empty(_host.Get<Webordinary.Dashboard.Security.ApiKeyStore>().List());
        chromium.AssertNoCspViolations();
    }

    [Fact]
    public async Task A_viewer_sees_scale_disabled_and_is_refused_by_the_api_and_the_hub_an_admin_scales_and_the_audit_names_both()
    {
        await using var viewer = await chromium.NewContextAsync(_host.BaseAddress.ToString());
        var viewerPage = await SignInAsync(viewer, "victor", "/services");

        await Expect(viewerPage.Locator("[data-testid='user']")).ToContainTextAsync("Victor Viewer · Viewer");
        var card = viewerPage.Locator($"[data-service='{Hermes}']");
        await Expect(card.Locator("button[data-testid='scale']")).ToBeDisabledAsync();
        await Expect(card.Locator("[data-testid='scale-denied']")).ToHaveTextAsync("Admins only");
        // The state stays visible: counts and targets are shown to a viewer.
        await Expect(card).ToHaveAttributeAsync("data-desired", "1");

        var withToken = await FetchScaleAsync(viewerPage, withCsrfToken: true);
        var withoutToken = await FetchScaleAsync(viewerPage, withCsrfToken: false);
        Assert.Equal(403, withToken.GetProperty("status").GetInt32());
        Assert.Contains("Admins only", withToken.GetProperty("body").GetString());
        Assert.Equal(403, withoutToken.GetProperty("status").GetInt32());
        Assert.Contains("Antiforgery token required", withoutToken.GetProperty("body").GetString());

        var cookies = string.Join("; ", (await viewer.CookiesAsync()).Select(c => $"{c.Name}={c.Value}"));
        await using (var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(_host.BaseAddress, "hubs/status"), o => o.Headers["Cookie"] = cookies)
            .Build())
        {
            await hub.StartAsync();
            var snapshot = await hub.InvokeAsync<JsonElement>("GetSnapshot");
            Assert.Equal(AttackTarget.Probe, snapshot.GetProperty("probes")[0].GetProperty("id").GetString());
            var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("RunNow", AttackTarget.Probe));
            Assert.Contains("Operators only", refused.Message);
        }

        await using var admin = await chromium.NewContextAsync(_host.BaseAddress.ToString());
        var adminPage = await SignInAsync(admin, "alice", "/services");
        await Expect(adminPage.Locator("[data-testid='user']")).ToContainTextAsync("Alice Admin · Admin");
        var adminCard = adminPage.Locator($"[data-service='{Hermes}']");
        await adminCard.Locator("button[data-testid='scale']").ClickAsync();
        var dialog = adminPage.Locator(".mud-dialog");
        await dialog.Locator("[data-testid='desired-count'] input, input[data-testid='desired-count']").FillAsync("2");
        await dialog.Locator("button[data-testid='scale-submit']").ClickAsync();
        await Expect(adminCard).ToHaveAttributeAsync("data-desired", "2");

        var entries = await _host.Get<AuditLog>().ListAsync(new AuditQuery(), CancellationToken.None);
        Assert.Contains(entries, e => e is { Action: AuditAction.Scale, Outcome: AuditOutcomes.Denied, Actor: { Name: "Victor Viewer", Via: "cookie", Id: "victor" } });
        Assert.Contains(entries, e => e is { Action: AuditAction.RunNow, Outcome: AuditOutcomes.Denied, Actor.Name: "Victor Viewer" });
        Assert.Contains(entries, e => e is { Action: AuditAction.Scale, Scale.To: 2, Actor: { Name: "Alice Admin", Via: "cookie", Id: "alice" } }
            && e.Outcome != AuditOutcomes.Denied);
        await adminPage.GotoInteractiveAsync("/audit");
        await Expect(adminPage.Locator("tr.audit-row[data-actor='Alice Admin'][data-action='Scale']")).ToHaveCountAsync(1);
        await Expect(adminPage.Locator("tr.audit-row[data-actor='Victor Viewer'][data-outcome='Denied']")).ToHaveCountAsync(2);

        var session = (await admin.CookiesAsync()).Single(c => c.Name == "webordinary.session");
        await adminPage.Locator("[data-testid='sign-out']").ClickAsync();
        await adminPage.WaitForURLAsync(url => url.StartsWith(_provider.Issuer.ToString().TrimEnd('/'), StringComparison.Ordinal));
        Assert.DoesNotContain(await admin.CookiesAsync(), c => c.Name == "webordinary.session");
        // The session is gone on the server too: a copy of the cookie taken before signing out opens nothing.
        using var replay = new HttpClient { BaseAddress = _host.BaseAddress };
        replay.DefaultRequestHeaders.Add("Cookie", $"{session.Name}={session.Value}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("api/keys")).StatusCode);
        chromium.AssertNoCspViolations();
    }

    /// <summary>Opens a page, signs in at the provider as <paramref name="login"/> (any password) and consents; back on the page, interactive.</summary>
    private async Task<IPage> SignInAsync(IBrowserContext context, string login, string path)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.Locator("input[name='login']").FillAsync(login);
        await page.Locator("input[name='password']").FillAsync("any password");
        await page.Locator("button[type='submit']").ClickAsync();
        await page.Locator("button[type='submit']:has-text('Continue')").ClickAsync();
        await page.WaitForURLAsync(new Uri(_host.BaseAddress, path.TrimStart('/')).ToString());
        try
        {
            await Expect(page.Locator(DashboardHost.InteractiveSelector)).ToBeAttachedAsync();
        }
        catch (PlaywrightException exception)
        {
            throw new InvalidOperationException($"{login}'s page did not become interactive. Browser console:{Environment.NewLine}{chromium.RecentConsole}"
                + $"{Environment.NewLine}The dashboard's log:{Environment.NewLine}{string.Join(Environment.NewLine, _logs.Lines)}", exception);
        }
        return page;
    }

    private static Task<JsonElement> FetchScaleAsync(IPage page, bool withCsrfToken) => page.EvaluateAsync<JsonElement>(
        """
        async ([service, withToken]) => {
          const headers = { "Content-Type": "application/json" };
          if (withToken) headers["X-CSRF-TOKEN"] = document.querySelector("meta[name='csrf-token']").content;
          const response = await fetch(`/api/services/${service}/scale`, { method: "POST", headers, body: JSON.stringify({ desiredCount: 2 }) });
          return { status: response.status, body: await response.text() };
        }
        """, new object[] { Hermes, withCsrfToken });
}
