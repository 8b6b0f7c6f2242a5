using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// Email over SMTP with MailKit: a plain-text and an HTML body (multipart/alternative), <c>Security</c> Auto (TLS on
/// port 465, else STARTTLS whenever the server offers it), StartTls (required: no message goes out in the clear),
/// Tls or None, sign-in when a username is set. The Message-ID comes from the idempotency key (a relay or mailbox
/// can drop a repeat), and a resolution answers its opened message (<c>In-Reply-To</c>), so they thread together.
/// SMTP 4xx replies and connection failures are tried again; 5xx replies, a failed sign-in or an untrusted
/// certificate are refused for good (dead letter: fix the settings, then Retry).
/// </summary>
public sealed class EmailDelivery(SandboxInbox? inbox = null) : IChannelDelivery
{
    public ChannelKind Kind => ChannelKind.Email;

    public async Task<DeliveryResult> SendAsync(NotificationChannel channel, OutboxEntry entry, CancellationToken cancellationToken)
    {
        var payload = NotificationPayload.FromJson(entry.Payload);
        var message = Compose(channel, entry, payload);
        if (inbox is not null && SandboxInbox.Takes(channel))
        {
            using var text = new MemoryStream();
            await message.WriteToAsync(text, cancellationToken);
            inbox.Record(channel.Name, ChannelKind.Email, message.Subject ?? "",
                [.. message.Headers.Select(h => new KeyValuePair<string, string>(h.Field, h.Value))], "message/rfc822", Encoding.UTF8.GetString(text.ToArray()));
            return DeliveryResult.Ok(250);
        }

        using var smtp = new SmtpClient();
        if (channel.Options.CaCertificate is { } caFile)
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPemFile(caFile);
            smtp.ServerCertificateValidationCallback = (_, certificate, _, errors) => Trusts(trusted, certificate, errors);
            smtp.CheckCertificateRevocation = false;
        }

        try
        {
            await smtp.ConnectAsync(channel.Options.Host!, channel.EmailPort, SocketOptionsOf(channel), cancellationToken);
            if (channel.Options.Username is { Length: > 0 } username)
            {
                await smtp.AuthenticateAsync(username, channel.Options.Password ?? "", cancellationToken);
            }

            await smtp.SendAsync(message, cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
            return DeliveryResult.Ok(250);
        }
        catch (SmtpCommandException exception)
        {
            var code = (int)exception.StatusCode;
            var error = $"SMTP {code}: {HttpDelivery.OneLine(exception.Message)}";
            return code is >= 400 and < 500 ? DeliveryResult.Failed(error, code) : DeliveryResult.Refused(error, code);
        }
        catch (ServiceNotAuthenticatedException exception)
        {
            // 530: the server wants STARTTLS or a sign-in first (Security None, or no Username).
            return DeliveryResult.Refused($"SMTP 530: {HttpDelivery.OneLine(exception.Message)}", 530);
        }
        catch (AuthenticationException exception)
        {
            return DeliveryResult.Refused($"Sign-in refused: {HttpDelivery.OneLine(exception.Message)}");
        }
        catch (SslHandshakeException)
        {
            return DeliveryResult.Refused($"TLS with {channel.Options.Host} failed: its certificate is not trusted (set CaCertificate for a private relay) or TLS is not offered there.");
        }
        catch (NotSupportedException exception)
        {
            // MailKit: the server does not offer STARTTLS (Security StartTls) or the sign-in this needs.
            return DeliveryResult.Refused(HttpDelivery.OneLine(exception.Message));
        }
        catch (SmtpProtocolException exception)
        {
            return DeliveryResult.Failed($"SMTP: {HttpDelivery.OneLine(exception.Message)}");
        }
        catch (Exception exception) when (exception is SocketException or IOException or ServiceNotConnectedException)
        {
            return DeliveryResult.Failed($"{channel.Options.Host}:{channel.EmailPort}: {HttpDelivery.OneLine(exception.Message)}");
        }
    }

    public static MimeMessage Compose(NotificationChannel channel, OutboxEntry entry, NotificationPayload payload)
    {
        var message = new MimeMessage
        {
            Subject = $"[Webordinary] {payload.Title}",
            MessageId = MessageIdOf(entry.Key),
            Date = payload.At,
        };
        message.From.Add(MailboxAddress.Parse(channel.Options.From!));
        message.To.AddRange((channel.Options.To ?? []).Select(MailboxAddress.Parse));
        message.Headers.Add("X-Webordinary-Event", payload.Event);
        if (payload.Incident is { } incident && payload.EventKind != NotificationEvent.Opened)
        {
            var opened = MessageIdOf(NotificationMessages.KeyOf(incident.Id, NotificationEvent.Opened, channel.Name));
            message.InReplyTo = opened;
            message.References.Add(opened);
        }

        var link = payload.Incident?.Page ?? payload.Incident?.Url ?? payload.Probe?.Url ?? payload.DashboardUrl;
        var body = new BodyBuilder
        {
            TextBody = $"{payload.Title}\n\n{payload.Summary}\n\n{link}\n\n-- \nWebordinary Dashboard · {payload.Key}\n",
            HtmlBody = Html(payload, link),
        };
        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>A Message-ID of the key's hash: the same message keeps its id across retries and restarts.</summary>
    public static string MessageIdOf(string key) => $"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32]}@webordinary-dashboard";

    private static string Html(NotificationPayload payload, string link)
    {
        var color = payload.EventKind switch
        {
            NotificationEvent.Opened => "#d32f2f",
            NotificationEvent.Resolved => "#2e7d32",
            NotificationEvent.Test => "#757575",
            NotificationEvent.Acknowledged => "#1565c0",
            _ => "#ed6c02",
        };
        var lines = string.Join("", payload.Summary.Split('\n').Select(l => $"<p style=\"margin:4px 0\">{WebUtility.HtmlEncode(l)}</p>"));
        return $"""
            <!DOCTYPE html>
            <html><body style="font-family:sans-serif">
            <h2 style="color:{color};margin:0 0 8px">{WebUtility.HtmlEncode(payload.Title)}</h2>
            {lines}
            <p style="margin:12px 0"><a href="{WebUtility.HtmlEncode(link)}">Open in the dashboard</a></p>
            <p style="color:#757575;font-size:smaller">Webordinary Dashboard · {WebUtility.HtmlEncode(payload.Key)}</p>
            </body></html>
            """;
    }

    private static SecureSocketOptions SocketOptionsOf(NotificationChannel channel) => channel.Security switch
    {
        MailSecurity.StartTls => SecureSocketOptions.StartTls,
        MailSecurity.Tls => SecureSocketOptions.SslOnConnect,
        MailSecurity.None => SecureSocketOptions.None,
        _ => channel.EmailPort == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable,
    };

    /// <summary>Valid for the system, or chains to one of the configured certificates (a private CA, or the server's own).</summary>
    private static bool Trusts(X509Certificate2Collection trusted, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(server);
    }
}
