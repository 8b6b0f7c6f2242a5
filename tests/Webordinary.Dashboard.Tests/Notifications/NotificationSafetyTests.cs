using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Testing;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Notifications;

/// <summary>Secrets stay secret, actions are the Operators', and bad configuration stops the start naming the key.</summary>
public sealed class NotificationSafetyTests
{
    private const string UrlToken = "T0SECRET/B0SECRET/urlTokenNeverShown";
    private const string HeaderValue = "Bearer header-value-never-shown";
    private const string Password = "smtp-password-never-shown";
    private const string ViewerKey = "wdk_viewer-key-for-the-notification-tests-01";
    private const string OperatorKey = "wdk_operator-key-for-the-notification-tests-02";

    [Fact]
    public async Task Urls_header_values_signing_secrets_and_passwords_never_reach_the_log_the_api_or_the_page()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        receiver.Answer = _ => (500, null, "receiver broke");
        var logs = new CapturedLogs();
        var settings = TableAndFlows(flows: false);
        settings["Logging:LogLevel:Default"] = "Trace";
        settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace";
        settings["Notifications:MaxAttempts"] = "2";
        AddWebhook(settings, "ops", receiver.Url($"services/{UrlToken}?token={UrlToken}"));
        settings["Notifications:Channels:ops:Headers:Authorization"] = HeaderValue;
        settings["Notifications:Channels:mail:Kind"] = "Email";
        settings["Notifications:Channels:mail:Host"] = "127.0.0.1";
        settings["Notifications:Channels:mail:Port"] = DashboardHost.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Notifications:Channels:mail:From"] = "dashboard@example.com";
        settings["Notifications:Channels:mail:To:0"] = "oncall@example.com";
        settings["Notifications:Channels:mail:Username"] = "dashboard";
        settings["Notifications:Channels:mail:Password"] = Password;
        await using var host = await DashboardHost.StartAsync(settings, configureServices: logs.AddTo);
        var center = host.Get<NotificationCenter>();
        using var http = host.CreateClient();

        await http.PostAsync("api/notifications/channels/ops/test", null);
        await http.PostAsync("api/notifications/channels/mail/test", null);
        await DeliveryTests.WaitForStateAsync(center, "ops", s => s.Dead == 1);
        await DeliveryTests.WaitForStateAsync(center, "mail", s => s.ConsecutiveFailures >= 1);
        var api = await http.GetStringAsync("api/notifications");
        var page = WebUtility.HtmlDecode(await http.GetStringAsync("notifications"));

        Assert.Equal(2, receiver.Received.Count);
        Assert.Equal(HeaderValue, receiver.Received[0].Headers["Authorization"]);
        Assert.Contains(logs.Lines, l => l.Contains("dead letter", StringComparison.Ordinal) && l.Contains("ops", StringComparison.Ordinal));
        foreach (var secret in new[] { "urlTokenNeverShown", "T0SECRET", HeaderValue, Secret, Password })
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(secret, api);
            Assert.DoesNotContain(secret, page);
        }

        Assert.Contains($"http://{receiver.Url().Authority}/…", page);
    }

    [Fact]
    public async Task Send_test_and_retry_are_for_operators_a_viewer_is_refused_with_403_and_audited()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = TableAndFlows(flows: false);
        AddWebhook(settings, "ops", receiver.Url());
        foreach (var (name, key, role) in new[] { ("wallboard", ViewerKey, "Viewer"), ("ops-bot", OperatorKey, "Operator") })
        {
            settings[$"Auth:ApiKeys:{name}:Sha256"] = ApiKeyStore.Hash(key);
            settings[$"Auth:ApiKeys:{name}:Role"] = role;
        }

        await using var host = await DashboardHost.StartAsync(settings);
        using var viewer = Client(host, ViewerKey);
        using var operatorClient = Client(host, OperatorKey);

        var list = await viewer.GetAsync("api/notifications");
        var denied = await viewer.PostAsync("api/notifications/channels/ops/test", null);
        var deniedRetry = await viewer.PostAsync("api/notifications/deliveries/1/retry", null);
        var allowed = await operatorClient.PostAsync("api/notifications/channels/ops/test", null);
        await receiver.WaitForCountAsync(1);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deniedRetry.StatusCode);
        Assert.Contains("Operators only", (await denied.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        var audit = (await operatorClient.GetFromJsonAsync<JsonElement>("api/audit")).EnumerateArray()
            .Select(e => (e.GetProperty("action").GetString(), e.GetProperty("actor").GetString(), e.GetProperty("outcome").GetString())).ToList();
        Assert.Contains(("NotificationTest", "wallboard", "Denied"), audit);
        Assert.Contains(("NotificationRetry", "wallboard", "Denied"), audit);
        Assert.Contains(("NotificationTest", "ops-bot", "Done"), audit);
    }

    [Theory]
    [InlineData("channels/ops/test", "http://evil.example", "cross-site")]
    [InlineData("channels/ops/test", "null", null)]
    [InlineData("deliveries/1/retry", null, "same-site")]
    public async Task Send_test_and_retry_from_another_site_are_403_and_queue_nothing(string action, string? origin, string? fetchSite)
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        receiver.Answer = _ => (400, null, "refused");
        var settings = TableAndFlows(flows: false);
        AddWebhook(settings, "ops", receiver.Url());
        // Without sign-in the local user is an Admin: only the request's origin stands between the page and the action.
        await using var host = await DashboardHost.StartAsync(settings);
        var center = host.Get<NotificationCenter>();
        using var http = host.CreateClient();
        // A dead letter (id 1) for the retry to aim at.
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("api/notifications/channels/ops/test", null)).StatusCode);
        await DeliveryTests.WaitForStateAsync(center, "ops", s => s.Dead == 1);
        var before = await center.ListAsync(new DeliveryQuery(), CancellationToken.None);
        using var request = Security.CrossSiteRequestTests.AsBrowserSends("POST", $"api/notifications/{action}", null, origin, fetchSite);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Cross-site", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        var after = Assert.Single(await center.ListAsync(new DeliveryQuery(), CancellationToken.None));
        Assert.Equal((before[0].Id, DeliveryState.Dead, 1), (after.Id, after.State, after.Attempts));
        var audit = (await http.GetFromJsonAsync<JsonElement>("api/audit")).EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["NotificationTest"], audit.Where(a => a!.StartsWith("Notification", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("Kind", "Pager", "Notifications:Channels:bad:Kind 'Pager' is not a channel kind")]
    [InlineData("Url", "", "Notifications:Channels:bad:Url is required")]
    [InlineData("Url", "ftp://hooks.example.com/T0/secret-in-a-bad-url", "Notifications:Channels:bad:Url must be an absolute http(s) URL")]
    [InlineData("Secret", "short", "Notifications:Channels:bad:Secret must be at least 16 characters")]
    [InlineData("Events:0", "Flapping", "Notifications:Channels:bad:Events:0 'Flapping' is not an event")]
    [InlineData("Events:0", "StillOpen", "set Notifications:Channels:bad:StillOpenEvery too")]
    [InlineData("Probes:0", "nope", "Notifications:Channels:bad:Probes:0 names 'nope'")]
    [InlineData("Components:0", "Kafka", "Notifications:Channels:bad:Components:0 'Kafka' is not a component")]
    [InlineData("Headers:Content-Type", "text/plain", "Notifications:Channels:bad:Headers:Content-Type is set by the dashboard itself")]
    [InlineData("RateLimit", "0", "Notifications:Channels:bad:RateLimit must be between 1 and 600")]
    [InlineData("StillOpenEvery", "00:00:10", "Notifications:Channels:bad:StillOpenEvery must be between 00:01:00")]
    public async Task A_bad_channel_stops_the_start_naming_its_key_and_never_repeating_a_secret(string key, string value, string message)
    {
        var settings = TableAndFlows(flows: false);
        AddWebhook(settings, "bad", new Uri("https://hooks.example.com/services/T0/B0/XXXX"));
        settings[$"Notifications:Channels:bad:{key}"] = value;

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        var described = ConfigurationErrors.Describe(exception);
        Assert.NotNull(described);
        Assert.Contains(message, described);
        Assert.DoesNotContain("secret-in-a-bad-url", described);
        Assert.DoesNotContain(Secret, described);
    }

    [Theory]
    [InlineData("Email", "To", "Notifications:Channels:bad:To must name at least one recipient")]
    [InlineData("Sns", "TopicArn", "Notifications:Channels:bad:TopicArn must be an SNS topic ARN")]
    public async Task An_email_or_sns_channel_missing_its_settings_stops_the_start(string kind, string _, string message)
    {
        var settings = TableAndFlows(flows: false);
        settings["Notifications:Channels:bad:Kind"] = kind;
        settings["Notifications:Channels:bad:Host"] = "smtp.example.com";
        settings["Notifications:Channels:bad:From"] = "dashboard@example.com";

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        Assert.Contains(message, ConfigurationErrors.Describe(exception));
    }

    private static HttpClient Client(DashboardHost host, string key)
    {
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
