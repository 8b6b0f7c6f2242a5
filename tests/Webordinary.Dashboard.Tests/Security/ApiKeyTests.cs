using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>A dashboard behind an ALB (no ALB in front here: only API keys get in) with a key of each role in its configuration.</summary>
public class ApiKeyHost : IAsyncLifetime
{
    public const string ViewerKey = "wdk_viewer-key-for-the-api-key-tests-0001";
    public const string OperatorKey = "wdk_operator-key-for-the-api-key-tests-0002";
    public const string AdminKey = "wdk_admin-key-for-the-api-key-tests-0003";

    public CapturedLogs Logs { get; } = new();

    public DashboardHost Host { get; private set; } = null!;

    public AlbSigner Alb { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Alb = await AlbSigner.StartAsync();
        var settings = AttackTarget.Settings();
        Alb.Configure(settings);
        // The tests of this class run probes by hand one after another.
        settings["Dashboard:RunNowCooldown"] = "00:00:00";
        settings["Logging:LogLevel:Default"] = "Trace";
        settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace";
        foreach (var (name, key, role) in new[] { ("wallboard", ViewerKey, "Viewer"), ("ops-bot", OperatorKey, "Operator"), ("deployer", AdminKey, "Admin") })
        {
            settings[$"Auth:ApiKeys:{name}:Sha256"] = ApiKeyStore.Hash(key);
            settings[$"Auth:ApiKeys:{name}:Role"] = role;
        }

        await UseStoreAsync(settings);
        Host = await DashboardHost.StartAsync(settings, configureServices: Logs.AddTo);
    }

    /// <summary>Points the dashboard at its store: SQLite in the settings' data directory here; a subclass runs the same tests on another engine.</summary>
    protected virtual Task UseStoreAsync(Dictionary<string, string?> settings) => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Alb.DisposeAsync();
    }

    public HttpClient Client(string? key)
    {
        var http = Host.CreateClient();
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }
}

/// <summary>API keys: each role does what it may and no more, a revoked or unknown key is 401, and a key never shows.</summary>
public abstract class ApiKeyTests<THost>(THost fixture) : IClassFixture<THost>
    where THost : ApiKeyHost
{
    private const string ScalePath = $"api/services/{AttackTarget.Hermes}/scale";

    [Fact]
    public async Task Viewer_reads_but_may_not_run_operator_runs_but_may_not_scale_admin_scales()
    {
        using var viewer = fixture.Client(ApiKeyHost.ViewerKey);
        using var @operator = fixture.Client(ApiKeyHost.OperatorKey);
        using var admin = fixture.Client(ApiKeyHost.AdminKey);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("api/probes")).StatusCode);
        var viewerRun = await viewer.PostAsync($"api/probes/{AttackTarget.Probe}/run", null);
        var operatorRun = await @operator.PostAsync($"api/probes/{AttackTarget.Probe}/run", null);
        var operatorScale = await @operator.PostAsJsonAsync(ScalePath, new { desiredCount = 2 });
        var adminScale = await admin.PostAsJsonAsync(ScalePath, new { desiredCount = 2 });

        Assert.Equal(HttpStatusCode.Forbidden, viewerRun.StatusCode);
        Assert.Contains("Operators only", await viewerRun.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, operatorRun.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, operatorScale.StatusCode);
        Assert.Contains("Admins only", await operatorScale.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, adminScale.StatusCode);

        var audit = await admin.GetFromJsonAsync<JsonElement>("api/audit?limit=50");
        var entries = audit.EnumerateArray().ToList();
        Assert.Contains(entries, e => Is(e, "wallboard", "RunNow", "Denied"));
        Assert.Contains(entries, e => Is(e, "ops-bot", "RunNow", "Done"));
        Assert.Contains(entries, e => Is(e, "ops-bot", "Scale", "Denied"));
        Assert.Contains(entries, e => e.GetProperty("actor").GetString() == "deployer" && e.GetProperty("action").GetString() == "Scale"
            && e.GetProperty("to").GetInt32() == 2 && e.GetProperty("outcome").GetString() != "Denied");
        Assert.All(entries, e => Assert.Equal("apikey", e.GetProperty("via").GetString()));
        var filtered = await admin.GetFromJsonAsync<JsonElement>("api/audit?actor=ops-bot&action=RunNow");
        Assert.All(filtered.EnumerateArray(), e => Assert.True(Is(e, "ops-bot", "RunNow", null)));
        Assert.NotEmpty(filtered.EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("api/audit?action=Teleport")).StatusCode);
    }

    [Fact]
    public async Task A_key_made_by_an_admin_works_until_it_is_revoked_then_it_is_401()
    {
        using var admin = fixture.Client(ApiKeyHost.AdminKey);
        using var viewer = fixture.Client(ApiKeyHost.ViewerKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("api/keys", new { name = "not-allowed", role = "Viewer" })).StatusCode);

        var created = await admin.PostAsJsonAsync("api/keys", new { name = "ci-gate", role = "Operator" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        Assert.StartsWith(ApiKeyStore.Prefix, secret);
        using var ci = fixture.Client(secret);
        Assert.Equal(HttpStatusCode.Accepted, (await ci.PostAsync("api/probes/run-all", null)).StatusCode);
        var listed = (await admin.GetFromJsonAsync<JsonElement>("api/keys")).EnumerateArray().Single(k => k.GetProperty("name").GetString() == "ci-gate");
        Assert.Equal("Operator", listed.GetProperty("role").GetString());
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("lastUsedAt").ValueKind);
        Assert.DoesNotContain(secret, listed.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("api/keys", new { name = "ci-gate", role = "Viewer" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("api/keys/ci-gate")).StatusCode);

        var revoked = await ci.GetAsync("api/probes");
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Contains("not valid or was revoked", await revoked.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("api/keys/ci-gate")).StatusCode);
        var audit = (await admin.GetFromJsonAsync<JsonElement>("api/audit?actor=deployer")).EnumerateArray().ToList();
        Assert.Contains(audit, e => Is(e, "deployer", "ApiKeyCreate", "Done") && e.GetProperty("target").GetString() == "ci-gate");
        Assert.Contains(audit, e => Is(e, "deployer", "ApiKeyRevoke", "Done"));
    }

    [Fact]
    public async Task Maintenance_windows_are_for_operators_and_audited_with_their_actor()
    {
        using var viewer = fixture.Client(ApiKeyHost.ViewerKey);
        using var @operator = fixture.Client(ApiKeyHost.OperatorKey);
        var window = new { reason = "Table migration", duration = "00:30:00", components = new[] { "DynamoDB" } };

        var denied = await viewer.PostAsJsonAsync("api/maintenance", window);
        var started = await @operator.PostAsJsonAsync("api/maintenance", window);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var viewerEnd = await viewer.DeleteAsync($"api/maintenance/{id}");
        var ended = await @operator.DeleteAsync($"api/maintenance/{id}");

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewerEnd.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        using var admin = fixture.Client(ApiKeyHost.AdminKey);
        var audit = (await admin.GetFromJsonAsync<JsonElement>("api/audit?limit=200")).EnumerateArray().ToList();
        Assert.Contains(audit, e => Is(e, "wallboard", "MaintenanceStart", "Denied"));
        Assert.Contains(audit, e => Is(e, "ops-bot", "MaintenanceStart", "Done") && e.GetProperty("target").GetString() == id
            && e.GetProperty("message").GetString()!.Contains("Table migration"));
        Assert.Contains(audit, e => Is(e, "ops-bot", "MaintenanceEnd", "Done"));
    }

    [Theory]
    [InlineData("api/probes", null)]
    [InlineData("api/probes", "wdk_not-a-key")]
    [InlineData("hubs/status/negotiate?negotiateVersion=1", null)]
    [InlineData("", null)]
    [InlineData("services", "wdk_not-a-key")]
    public async Task No_or_a_wrong_key_is_401_never_a_redirect(string path, string? key)
    {
        using var http = fixture.Client(key);

        var response = path.Contains("negotiate") ? await http.PostAsync(path, null) : await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Hub_takes_a_key_a_viewer_reads_and_may_not_run_an_operator_runs()
    {
        var url = new Uri(fixture.Host.BaseAddress, "hubs/status");
        await using var viewer = new HubConnectionBuilder().WithUrl(url, o => o.AccessTokenProvider = () => Task.FromResult<string?>(ApiKeyHost.ViewerKey)).Build();
        await using var @operator = new HubConnectionBuilder().WithUrl(url, o => o.AccessTokenProvider = () => Task.FromResult<string?>(ApiKeyHost.OperatorKey)).Build();
        await using var anonymous = new HubConnectionBuilder().WithUrl(url).Build();
        await viewer.StartAsync();
        await @operator.StartAsync();

        var snapshot = await viewer.InvokeAsync<JsonElement>("GetSnapshot");
        var refused = await Assert.ThrowsAsync<HubException>(() => viewer.InvokeAsync<JsonElement>("RunAll"));
        var started = await @operator.InvokeAsync<JsonElement>("RunAll");

        Assert.Equal(AttackTarget.Probe, snapshot.GetProperty("probes")[0].GetProperty("id").GetString());
        Assert.Contains("Operators only", refused.Message);
        Assert.True(started.TryGetProperty("accepted", out _));
        var failed = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
    }

    [Fact]
    public async Task A_key_never_appears_in_the_log_the_pages_or_the_audit()
    {
        using var admin = fixture.Client(ApiKeyHost.AdminKey);
        var made = await (await admin.PostAsJsonAsync("api/keys", new { name = "never-shown", role = "Viewer" })).Content.ReadFromJsonAsync<JsonElement>();
        var secret = made.GetProperty("key").GetString()!;
        using var withSecret = fixture.Client(secret);
        using var wrong = fixture.Client("wdk_a-wrong-key-that-must-not-be-logged");
        await withSecret.GetAsync("api/probes");
        await wrong.GetAsync("api/probes");

        var pages = new List<string>();
        foreach (var path in new[] { "", "keys", "audit", "services" })
        {
            pages.Add(await admin.GetStringAsync(path));
        }

        var audit = await admin.GetStringAsync("api/audit?limit=1000");
        var keys = await admin.GetStringAsync("api/keys");
        foreach (var key in new[] { ApiKeyHost.ViewerKey, ApiKeyHost.OperatorKey, ApiKeyHost.AdminKey, secret, "wdk_a-wrong-key-that-must-not-be-logged" })
        {
            Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(key, StringComparison.Ordinal));
            Assert.All(pages, page => Assert.DoesNotContain(key, page));
            Assert.DoesNotContain(key, audit);
            Assert.DoesNotContain(key, keys);
        }

        Assert.Contains(fixture.Logs.Lines, line => line.Contains("api/probes", StringComparison.Ordinal));
        Assert.Contains("never-shown", await admin.GetStringAsync("keys"));
    }

    private static bool Is(JsonElement entry, string actor, string action, string? outcome) =>
        entry.GetProperty("actor").GetString() == actor && entry.GetProperty("action").GetString() == action
        && (outcome is null || entry.GetProperty("outcome").GetString() == outcome);
}

/// <summary>Without sign-in (loopback, the local user is Admin) an API key still speaks for itself.</summary>
public sealed class LocalModeApiKeyTests
{
    [Fact]
    public async Task A_viewer_key_is_a_viewer_a_wrong_key_is_401_and_no_key_is_the_local_admin()
    {
        var settings = AttackTarget.Settings();
        settings["Auth:ApiKeys:wallboard:Sha256"] = ApiKeyStore.Hash(ApiKeyHost.ViewerKey);
        settings["Auth:ApiKeys:wallboard:Role"] = "Viewer";
        await using var host = await DashboardHost.StartAsync(settings);
        using var local = host.CreateClient();
        using var viewer = host.CreateClient();
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKeyHost.ViewerKey);
        using var wrong = host.CreateClient();
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wdk_wrong");

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"api/probes/{AttackTarget.Probe}/run", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsync($"api/probes/{AttackTarget.Probe}/run", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await local.PostAsync($"api/probes/{AttackTarget.Probe}/run", null)).StatusCode);

        var audit = await local.GetFromJsonAsync<JsonElement>("api/audit");
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("actor").GetString() == "local" && e.GetProperty("outcome").GetString() == "Done");
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("actor").GetString() == "wallboard" && e.GetProperty("outcome").GetString() == "Denied");
    }
}

/// <summary>API keys on the default store, SQLite (<c>PostgresApiKeyTests</c>: the same on PostgreSQL).</summary>
public sealed class ApiKeyTests(ApiKeyHost fixture) : ApiKeyTests<ApiKeyHost>(fixture)
{
}
