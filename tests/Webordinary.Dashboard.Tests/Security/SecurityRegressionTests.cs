using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>What an attacker's review found, each kept from coming back.</summary>
public sealed class SecurityRegressionTests(ApiKeyHost fixture) : IClassFixture<ApiKeyHost>
{
    [Theory]
    [InlineData("/%09/evil.example/landing")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example")]
    [InlineData("/%0D%0ALocation:%20https://evil.example")]
    [InlineData("/%E3%80%82evil")]
    public async Task The_login_return_url_stays_on_the_dashboard(string returnUrl)
    {
        var settings = AttackTarget.Settings();
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        var response = await http.GetAsync($"auth/login?returnUrl={returnUrl}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        Assert.Equal("/services?x=1", AuthenticationSetup.LocalOnly("/services?x=1"));
    }

    [Fact]
    public async Task A_sign_out_post_with_a_broken_body_is_400()
    {
        using var http = fixture.Client(null);
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes("garbage"));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");

        var response = await http.PostAsync("auth/logout", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("Basic d2FsbGJvYXJkOng=")]
    [InlineData("Bearer\twdk_viewer-key-for-the-api-key-tests-0001")]
    public async Task An_authorization_header_that_is_not_a_key_is_401_never_the_modes_identity(string header)
    {
        var settings = AttackTarget.Settings();
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);

        var response = await http.PostAsync($"api/probes/{AttackTarget.Probe}/run", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_loses_its_open_hub_connection()
    {
        using var admin = fixture.Client(ApiKeyHost.AdminKey);
        var made = await (await admin.PostAsJsonAsync("api/keys", new { name = "hub-bot", role = "Operator" })).Content.ReadFromJsonAsync<JsonElement>();
        var secret = made.GetProperty("key").GetString()!;
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Host.BaseAddress, "hubs/status"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(secret))
            .Build();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await hub.StartAsync();
        await hub.InvokeAsync<JsonElement>("GetSnapshot");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("api/keys/hub-bot")).StatusCode);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
        await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());
    }

    [Fact]
    public async Task The_simulated_alb_refuses_cross_site_requests_and_large_bodies()
    {
        var settings = AttackTarget.Settings();
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();
        var path = $"{HermesSimulator.AlbPathBase}/hermes/api/sessions";
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, path.TrimStart('/')) { Content = new StringContent("{}", Encoding.UTF8, "text/plain") };
        crossSite.Headers.Add("Origin", "http://evil.example");

        var foreign = await http.SendAsync(crossSite);
        var large = await http.PostAsync(path.TrimStart('/'), new StringContent(new string('x', 64 * 1024), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
    }

    [Fact]
    public async Task A_scale_whose_caller_goes_away_is_still_seen_through_and_audited()
    {
        var settings = AttackTarget.Settings();
        await using var host = await DashboardHost.StartAsync(settings);
        var faults = host.Get<FaultInjector>();
        faults.Set(SandboxComponents.Ecs, new FaultSetting(FaultMode.Slow, LatencyMs: 1000));
        using var impatient = host.CreateClient();
        impatient.Timeout = TimeSpan.FromMilliseconds(200);

        // The caller gives up while ECS is still being asked; then ECS is quick again, so the rollout can be watched.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient.PostAsJsonAsync($"api/services/{AttackTarget.Hermes}/scale", new { desiredCount = 2 }));
        faults.Set(SandboxComponents.Ecs, FaultSetting.None);

        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var audit = host.Get<AuditLog>();
        async Task CheckAsync()
        {
            if ((await audit.ListAsync(new AuditQuery(Action: AuditAction.Scale), CancellationToken.None)).Any(e => e.Outcome == nameof(ScaleOutcome.Completed)))
            {
                completed.TrySetResult();
            }
        }

        using var changes = audit.Subscribe(CheckAsync, TimeSpan.Zero);
        await CheckAsync();
        await completed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var entry = Assert.Single(await audit.ListAsync(new AuditQuery(Action: AuditAction.Scale), CancellationToken.None));
        Assert.Equal((2, nameof(ScaleOutcome.Completed)), (entry.Scale!.To, entry.Outcome));
    }

    [Fact]
    public async Task Denied_attempts_of_one_actor_are_folded_into_one_entry_a_minute()
    {
        var database = new Dashboard.Storage.Sqlite.SqliteDatabase(Path.Combine(Directory.CreateTempSubdirectory("fold-test-").FullName, "dashboard.db"),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Dashboard.Storage.Sqlite.SqliteDatabase>.Instance);
        await database.MigrateAsync(CancellationToken.None);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var audit = new AuditLog(new Dashboard.Storage.Sqlite.SqliteAuditStore(database), time, Dashboard.Storage.Changes.ChangeFeed.InProcess());
        var guard = new ActionGuard(audit, time);
        var viewer = DashboardPrincipal.Create("test", "apikey:wallboard", "wallboard", "apikey", DashboardRole.Viewer);

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("Operators only", await guard.DenyAsync(viewer, DashboardRole.Operator, AuditAction.RunNow, $"probe-{i}"));
        }

        time.Advance(ActionGuard.DenialWindow);
        await guard.DenyAsync(viewer, DashboardRole.Operator, AuditAction.RunNow, "probe-last");
        var entries = await audit.ListAsync(new AuditQuery(), CancellationToken.None);

        Assert.Equal(2, entries.Count);
        Assert.Contains("49 more denied", entries[0].Message);
        Assert.All(entries, e => Assert.Equal(AuditOutcomes.Denied, e.Outcome));
        Assert.Null(await guard.DenyAsync(DashboardPrincipal.Create("test", "apikey:ops", "ops", "apikey", DashboardRole.Operator),
            DashboardRole.Operator, AuditAction.RunNow, "probe-0"));
    }
}
