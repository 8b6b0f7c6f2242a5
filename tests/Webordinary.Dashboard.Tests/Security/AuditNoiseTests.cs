using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Storage.Sqlite;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>A script that keeps pressing or guessing is one audit entry and at most one log line a minute, and wrong keys are slowed down.</summary>
public sealed class AuditNoiseTests
{
    [Fact]
    public async Task Two_hundred_presses_of_run_now_in_its_cooldown_are_one_done_and_one_refused_entry()
    {
        var settings = AttackTarget.Settings();
        // Longer than the presses take on the slowest machine: every press after the first is refused.
        settings["Dashboard:RunNowCooldown"] = "00:10:00";
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            statuses.Add((await http.PostAsync($"api/probes/{AttackTarget.Probe}/run", null)).StatusCode);
        }

        var entries = await host.Get<AuditLog>().ListAsync(new AuditQuery(Action: AuditAction.RunNow), CancellationToken.None);
        Assert.Equal(HttpStatusCode.Accepted, statuses[0]);
        Assert.All(statuses.Skip(1), status => Assert.Equal(HttpStatusCode.TooManyRequests, status));
        Assert.Equal([AuditOutcomes.Refused, AuditOutcomes.Done], entries.Select(e => e.Outcome));
    }

    [Fact]
    public async Task Wrong_api_keys_from_one_address_are_429_after_ten_one_audit_entry_and_one_log_line_and_a_real_key_still_works()
    {
        const string realKey = "wdk_the-real-key-of-the-audit-noise-test-0001";
        var settings = AttackTarget.Settings();
        settings["Auth:ApiKeys:wallboard:Sha256"] = ApiKeyStore.Hash(realKey);
        settings["Auth:ApiKeys:wallboard:Role"] = "Viewer";
        // As shipped: information and up.
        settings["Logging:LogLevel:Default"] = "Information";
        var logs = new CapturedLogs();
        await using var host = await DashboardHost.StartAsync(settings, configureServices: logs.AddTo);
        using var wrong = host.CreateClient();
        using var real = host.CreateClient();
        real.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", realKey);
        var before = logs.Lines.Count;

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 200; i++)
        {
            wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", $"wdk_guess-{i}");
            answers.Add(await wrong.GetAsync("api/probes"));
        }

        var withRealKey = await real.GetAsync("api/probes");
        var entries = await host.Get<AuditLog>().ListAsync(new AuditQuery(Action: AuditAction.ApiKeyRejected), CancellationToken.None);
        var lines = logs.Lines.Skip(before).Where(line => line.Contains("API key", StringComparison.OrdinalIgnoreCase) || line.Contains("ApiKey", StringComparison.Ordinal)).ToList();

        Assert.All(answers.Take(FailedKeyAttempts.MaxPerMinute), answer => Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode));
        Assert.All(answers.Skip(FailedKeyAttempts.MaxPerMinute), answer =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            Assert.InRange(answer.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        });
        Assert.Equal(HttpStatusCode.OK, withRealKey.StatusCode);
        var entry = Assert.Single(entries);
        Assert.Equal(("127.0.0.1", AuditOutcomes.Denied), (entry.Actor.Name, entry.Outcome));
        Assert.True(lines.Count == 1, string.Join("\n", lines));
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void An_ipv6_client_is_counted_by_its_64_so_changing_address_does_not_lift_the_limit(string address, string client) =>
        Assert.Equal(client, FailedKeyAttempts.ClientOf(IPAddress.Parse(address)));

    [Fact]
    public async Task After_a_minute_a_wrong_key_is_401_again_and_its_entry_counts_the_ones_folded_before()
    {
        var database = new SqliteDatabase(Path.Combine(Directory.CreateTempSubdirectory("key-fold-test-").FullName, "dashboard.db"), NullLogger<SqliteDatabase>.Instance);
        await database.MigrateAsync(CancellationToken.None);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var audit = new AuditLog(new Dashboard.Storage.Sqlite.SqliteAuditStore(database), time, Dashboard.Storage.Changes.ChangeFeed.InProcess());
        var attempts = new FailedKeyAttempts(audit, time, NullLogger<FailedKeyAttempts>.Instance);
        var client = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse("203.0.113.7") } };
        var other = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse("203.0.113.8") } };

        var limited = new List<TimeSpan?>();
        for (var i = 0; i < 30; i++)
        {
            limited.Add(await attempts.FailAsync(client));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var otherAddress = await attempts.FailAsync(other);
        time.Advance(AuditFolding.Window);
        var afterTheMinute = await attempts.FailAsync(client);
        var entries = await audit.ListAsync(new AuditQuery(Action: AuditAction.ApiKeyRejected, Target: "203.0.113.7"), CancellationToken.None);

        Assert.All(limited.Take(FailedKeyAttempts.MaxPerMinute), Assert.Null);
        Assert.Equal(TimeSpan.FromSeconds(50), limited[FailedKeyAttempts.MaxPerMinute]);
        Assert.Null(otherAddress);
        Assert.Null(afterTheMinute);
        Assert.Equal(2, entries.Count);
        Assert.Contains("29 more", entries[0].Message);
    }
}
