using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

/// <summary>
/// Sign-in that survives deploys, on one PostgreSQL store: a person signed in through the OpenID provider on instance A
/// is signed in on instance B and on a new instance after A is gone (keys and sessions are in the store, not in a
/// process or its data directory); a page's antiforgery token from one instance is accepted by another; while the
/// server is down the session cannot be read (503, not 500); signing out on one instance refuses the cookie on the others at once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SignInAcrossInstancesTests(SharedPostgres postgres) : IAsyncLifetime
{
    private const string SessionCookie = "webordinary.session";
    private readonly Uri _signInAddress = new($"http://127.0.0.1:{DashboardHost.FreePort()}");
    private readonly CookieContainer _browser = new();
    private OpenIdProvider _provider = null!;
    private Dictionary<string, string?> _settings = null!;

    public async Task InitializeAsync()
    {
        _provider = await OpenIdProvider.StartAsync(_signInAddress);
        _settings = DashboardHost.BaseSettings();
        _provider.Configure(_settings, _signInAddress);
        _settings["Store:Provider"] = "Postgres";
        _settings["Store:ConnectionString"] = await postgres.Server.CreateDatabaseAsync();
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task A_sign_in_on_one_instance_holds_on_another_and_after_a_restart_tokens_pass_between_them_and_signing_out_on_one_ends_it_on_all()
    {
        DashboardHost? a = await DashboardHost.StartAsync(_settings, url: _signInAddress.ToString().TrimEnd('/'));
        DashboardHost? restarted = null;
        try
        {
            await using var b = await DashboardHost.StartAsync(_settings);
            await OpenIdProvider.SignInAsync(a.BaseAddress, _browser, "alice");
            var session = _browser.GetCookies(a.BaseAddress)[SessionCookie]!.Value;

            Assert.Equal(HttpStatusCode.OK, await StatusWithCookieAsync(b, session));

            // A goes away (a deploy replaces its task); the new instance has a data directory of its own.
            await a.DisposeAsync();
            a = null;
            restarted = await DashboardHost.StartAsync(_settings);
            Assert.Equal(HttpStatusCode.OK, await StatusWithCookieAsync(restarted, session));

            // The token of a page served by one instance, with that page's antiforgery cookie, is accepted by another.
            using var onRestarted = Browser(restarted);
            using var onB = Browser(b);
            var restartedToken = await PageTokenAsync(onRestarted);
            Assert.Equal(HttpStatusCode.Forbidden, (await onB.PostAsJsonAsync("api/keys", new { name = "without-token", role = "Viewer" })).StatusCode);
            using (var change = new HttpRequestMessage(HttpMethod.Post, "api/keys") { Content = JsonContent.Create(new { name = "token-from-another", role = "Viewer" }) })
            {
                change.Headers.Add(AmbientCredentialGuard.HeaderName, restartedToken);
                Assert.Equal(HttpStatusCode.Created, (await onB.SendAsync(change)).StatusCode);
            }

            // Signing out: the form of B's page, posted to the other instance.
            var bToken = await PageTokenAsync(onB);
            var signedOut = await onRestarted.PostAsync("auth/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = bToken }));
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
            Assert.StartsWith(_provider.Issuer.ToString().TrimEnd('/'), signedOut.Headers.Location!.ToString());

            // A copy of the cookie taken before opens nothing, on any instance.
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithCookieAsync(b, session));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithCookieAsync(restarted, session));

            // While the server is down no session can be read: 503, the store's outage, never a 500. (Last: the pool's
            // connections from before the restart fail once each afterwards.)
            HttpStatusCode duringOutage;
            await postgres.Server.StopAsync();
            try
            {
                duringOutage = await StatusWithCookieAsync(b, session);
            }
            finally
            {
                await postgres.Server.StartAgainAsync();
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, duringOutage);
        }
        finally
        {
            if (a is not null)
            {
                await a.DisposeAsync();
            }

            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
        }
    }

    /// <summary>An admin's API read with only the session cookie: 200 signed in, 401 not.</summary>
    private static async Task<HttpStatusCode> StatusWithCookieAsync(DashboardHost host, string session)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Add("Cookie", $"{SessionCookie}={session}");
        return (await client.GetAsync("api/keys")).StatusCode;
    }

    /// <summary>The browser's cookies (one jar for every instance, as behind one load balancer), redirects not followed.</summary>
    private HttpClient Browser(DashboardHost host) =>
        new(new HttpClientHandler { CookieContainer = _browser, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The antiforgery token of a dashboard page (its <c>&lt;meta name="csrf-token"&gt;</c>); its cookie goes to the jar.</summary>
    private static async Task<string> PageTokenAsync(HttpClient browser)
    {
        var page = await browser.GetStringAsync("/");
        var token = Regex.Match(page, "<meta name=\"csrf-token\" content=\"([^\"]+)\"");
        Assert.True(token.Success, "The page has no csrf-token.");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }
}
