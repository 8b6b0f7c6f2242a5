using System.Text;
using MimeKit;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Notifications;

/// <summary>Email through a real SMTP server (Debian's aiosmtpd) that offers STARTTLS and requires it.</summary>
public sealed class EmailNotificationTests
{
    [Fact]
    public async Task Opened_and_resolved_arrive_over_starttls_as_plain_text_and_html_and_a_channel_without_tls_or_trust_is_refused()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var settings = TableAndFlows(flows: false);
        void AddMail(string name, string security, string? ca)
        {
            var key = $"Notifications:Channels:{name}";
            settings[$"{key}:Kind"] = "Email";
            settings[$"{key}:Host"] = "127.0.0.1";
            settings[$"{key}:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings[$"{key}:Security"] = security;
            settings[$"{key}:From"] = "Webordinary Dashboard <dashboard@example.com>";
            settings[$"{key}:To:0"] = "oncall@example.com";
            settings[$"{key}:To:1"] = "platform@example.com";
            if (ca is not null)
            {
                settings[$"{key}:CaCertificate"] = ca;
            }
        }

        AddMail("mail", "StartTls", smtp.CertificateFile);
        AddMail("plain", "None", null);
        AddMail("untrusted", "StartTls", null);
        // Those two take only resolutions, so nothing of the incident goes to them (never announced): a test message is all they get.
        settings["Notifications:Channels:plain:Events:0"] = "Resolved";
        settings["Notifications:Channels:untrusted:Events:0"] = "Resolved";
        await using var host = await DashboardHost.StartAsync(settings);
        var center = host.Get<NotificationCenter>();
        var faults = host.Get<FaultInjector>();

        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await smtp.WaitForCountAsync(1);
        faults.Set(SandboxComponents.DynamoDb, FaultSetting.None);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        var messages = (await smtp.WaitForCountAsync(2)).Select(Parse).ToList();

        var (opened, resolved) = (messages[0], messages[1]);
        Assert.Equal($"[Webordinary] {PlatformProbes.Dynamo} is down", opened.Subject);
        Assert.StartsWith($"[Webordinary] {PlatformProbes.Dynamo} recovered after", resolved.Subject);
        Assert.Equal("dashboard@example.com", opened.From.Mailboxes.Single().Address);
        Assert.NotNull(opened.Body);
        Assert.Equal(["oncall@example.com", "platform@example.com"], opened.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("multipart/alternative", opened.Body.ContentType.MimeType);
        Assert.Contains($"Root cause: {PlatformProbes.Dynamo}", opened.TextBody);
        Assert.Contains("ServiceUnavailable", opened.TextBody);
        Assert.Matches($"<a href=\"{System.Text.RegularExpressions.Regex.Escape(host.BaseAddress.ToString())}incidents/[0-9a-f]{{32}}\">", opened.HtmlBody);
        // A resolution answers its opened message, so mail clients thread them.
        Assert.Equal(opened.MessageId, resolved.InReplyTo);
        Assert.Equal("opened", opened.Headers["X-Webordinary-Event"]);

        // The server requires STARTTLS before a message: a channel without TLS is refused, and so is one that does not trust its certificate.
        await center.SendTestAsync("plain", "test", CancellationToken.None);
        await center.SendTestAsync("untrusted", "test", CancellationToken.None);
        var plain = await DeliveryTests.WaitForStateAsync(center, "plain", s => s.Dead == 1);
        var untrusted = await DeliveryTests.WaitForStateAsync(center, "untrusted", s => s.Dead == 1);
        Assert.Contains("530", plain.LastError);
        Assert.Contains("not trusted", untrusted.LastError);
        Assert.Equal(2, smtp.Messages.Count);
    }

    private static MimeMessage Parse(string printed)
    {
        try
        {
            return MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(printed)));
        }
        catch (FormatException exception)
        {
            throw new FormatException(printed, exception);
        }
    }
}
