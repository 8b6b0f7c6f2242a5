using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>A dashboard behind an ALB with authenticate-oidc, stood in for by <see cref="AlbSigner"/> (its key served locally).</summary>
public sealed class AlbHost : IAsyncLifetime
{
    public AlbSigner Alb { get; private set; } = null!;

    public DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Alb = await AlbSigner.StartAsync();
        var settings = AttackTarget.Settings();
        Alb.Configure(settings);
        Host = await DashboardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Alb.DisposeAsync();
    }
}

/// <summary>The ALB's signed header: a valid one gets in with the person's role; anything else is 401.</summary>
public sealed class AlbOidcTests(AlbHost fixture) : IClassFixture<AlbHost>
{
    private AlbSigner Alb => fixture.Alb;

    [Fact]
    public async Task A_valid_header_gets_in_as_the_person_with_their_role()
    {
        using var http = Client(Alb.Token(subject: "ada", name: "Ada Admin"));

        var probes = await http.GetAsync("api/probes");
        var page = await http.GetStringAsync("services");

        Assert.Equal(HttpStatusCode.OK, probes.StatusCode);
        Assert.Contains("Ada Admin · Admin", page);
    }

    public static TheoryData<string> BadTokens =>
        ["wrong signer", "expired", "bad signature", "other key", "unknown key id", "key id path", "not a jwt", "missing", "exp beyond time", "exp before time"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Anything_but_a_valid_header_is_401(string kind)
    {
        var token = kind switch
        {
            "wrong signer" => Alb.Token(signer: AlbSigner.AlbArn.Replace("dashboard", "another-alb", StringComparison.Ordinal)),
            "expired" => Alb.Token(expires: DateTimeOffset.UtcNow.AddMinutes(-5)),
            "bad signature" => Tamper(Alb.Token()),
            "other key" => Alb.Token(signWith: ECDsa.Create(ECCurve.NamedCurves.nistP256)),
            "unknown key id" => Alb.Token(kid: "00000000-0000-0000-0000-000000000000"),
            "key id path" => Alb.Token(kid: "../../etc/passwd"),
            "not a jwt" => "eyJhbGciOiJub25lIn0",
            "exp beyond time" => Alb.Token(exp: 99_999_999_999_999),
            "exp before time" => Alb.Token(exp: -99_999_999_999_999),
            _ => null,
        };
        using var http = Client(token);

        var api = await http.GetAsync("api/probes");
        var page = await http.GetAsync("services");

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
    }

    [Fact]
    public async Task An_unknown_key_id_is_asked_for_once_not_on_every_request()
    {
        const string unknown = "11111111-2222-3333-4444-555555555555";
        for (var i = 0; i < 5; i++)
        {
            using var http = Client(Alb.Token(kid: unknown));
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/probes")).StatusCode);
        }

        Assert.Equal(1, Alb.KeyRequests(unknown));
    }

    [Fact]
    public async Task Made_up_key_ids_do_not_hold_back_the_key_the_alb_rotated_to()
    {
        for (var i = 0; i < 100; i++)
        {
            using var forged = Client(Alb.Token(kid: Guid.NewGuid().ToString()));
            Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("api/probes")).StatusCode);
        }

        var (kid, key) = Alb.RotateKey();
        using var http = Client(Alb.Token(kid: kid, signWith: key));

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/probes")).StatusCode);
        Assert.Equal(1, Alb.KeyRequests(kid));
    }

    [Fact]
    public async Task A_key_id_with_a_trailing_newline_is_refused_without_asking_the_key_endpoint()
    {
        var before = Alb.AllKeyRequests;
        using var http = Client(Alb.Token(kid: AlbSigner.KeyId + "\n"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/probes")).StatusCode);
        Assert.Equal(before, Alb.AllKeyRequests);
    }

    [Fact]
    public async Task The_albs_key_is_fetched_once_and_kept()
    {
        for (var i = 0; i < 5; i++)
        {
            using var http = Client(Alb.Token(subject: $"person-{i}"));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/probes")).StatusCode);
        }

        Assert.Equal(1, Alb.KeyRequests());
    }

    [Fact]
    public async Task A_viewer_may_not_scale_and_an_admins_change_needs_the_pages_antiforgery_token()
    {
        var path = $"api/services/{AttackTarget.Hermes}/scale";
        using var viewer = Client(Alb.Token(subject: "val", name: "Val Viewer", groups: ["readers"]));
        using var admin = Client(Alb.Token(subject: "ada", name: "Ada Admin"), out var cookies);

        // The ALB's session cookie goes with every request a browser makes, so the header alone does not make a change.
        var withoutToken = await admin.PostAsJsonAsync(path, new { desiredCount = 2 });
        var viewerScale = await viewer.SendAsync(await WithPageTokenAsync(viewer, path));
        var withToken = await admin.SendAsync(await WithPageTokenAsync(admin, path));

        Assert.Equal(HttpStatusCode.Forbidden, viewerScale.StatusCode);
        Assert.Contains("Admins only", await viewerScale.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, withoutToken.StatusCode);
        Assert.Contains("Antiforgery token required", await withoutToken.Content.ReadAsStringAsync());
        Assert.NotEmpty(cookies.GetAllCookies());
        Assert.Equal(HttpStatusCode.Accepted, withToken.StatusCode);
        var entries = await fixture.Host.Get<AuditLog>().ListAsync(new AuditQuery(Target: AttackTarget.Hermes), CancellationToken.None);
        Assert.Contains(entries, e => e is { Outcome: AuditOutcomes.Denied, Actor: { Name: "Val Viewer", Via: "alb", Id: "val" } });
        Assert.Contains(entries, e => e is { Scale.To: 2, Actor: { Name: "Ada Admin", Via: "alb" } } && e.Outcome != AuditOutcomes.Denied);
    }

    /// <summary>A scale request carrying the antiforgery token of a dashboard page this client loaded (its cookie stays in the client).</summary>
    private static async Task<HttpRequestMessage> WithPageTokenAsync(HttpClient http, string path)
    {
        var page = await http.GetStringAsync("services");
        var csrf = WebUtility.HtmlDecode(Regex.Match(page, "<meta name=\"csrf-token\" content=\"([^\"]+)\"").Groups[1].Value);
        Assert.NotEmpty(csrf);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { desiredCount = 2 }) };
        request.Headers.Add("X-CSRF-TOKEN", csrf);
        return request;
    }

    private HttpClient Client(string? token) => Client(token, out _);

    private HttpClient Client(string? token, out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = fixture.Host.BaseAddress };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Add("x-amzn-oidc-data", token);
        }

        return http;
    }

    /// <summary>The same header and signature over a payload that says someone else.</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new { sub = "mallory", name = "Mallory", groups = new[] { "dashboard-admins" } }))
            .Replace('+', '-').Replace('/', '_');
        return $"{parts[0]}.{payload}.{parts[2]}";
    }
}

/// <summary>Behind a TLS-terminating ALB the requests are plain HTTP; with an https public address the answers act as https ones.</summary>
public sealed class PublicHttpsTests
{
    [Fact]
    public async Task Hsts_is_sent_and_cookies_are_secure_when_people_use_https()
    {
        await using var alb = await AlbSigner.StartAsync();
        var settings = AttackTarget.Settings();
        alb.Configure(settings);
        settings["Dashboard:PublicUrl"] = "https://dashboard.example.test";
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.Add("x-amzn-oidc-data", alb.Token());

        var page = await http.GetAsync("services");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("max-age=", string.Join(",", page.Headers.GetValues("Strict-Transport-Security")));
        var cookies = page.Headers.GetValues("Set-Cookie").ToList();
        Assert.NotEmpty(cookies);
        Assert.All(cookies, cookie => Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase));
    }
}
