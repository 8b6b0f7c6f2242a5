using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// Webhook: POSTs the payload (JSON, <see cref="NotificationPayload"/> version 1) as it is, with
/// <c>Idempotency-Key</c>, <c>X-Webordinary-Event</c>, and with a <c>Secret</c> the signature
/// <c>X-Webordinary-Signature: sha256=hex(HMAC-SHA256(secret, "{X-Webordinary-Timestamp}.{body}"))</c>; then the
/// channel's own headers.
/// </summary>
public sealed class WebhookDelivery(IHttpClientFactory clients, TimeProvider time) : IChannelDelivery
{
    public const string EventHeader = "X-Webordinary-Event";
    public const string TimestampHeader = "X-Webordinary-Timestamp";
    public const string SignatureHeader = "X-Webordinary-Signature";

    public ChannelKind Kind => ChannelKind.Webhook;

    public Task<DeliveryResult> SendAsync(NotificationChannel channel, OutboxEntry entry, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, channel.Options.Url)
        {
            Content = new StringContent(entry.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", entry.Key);
        request.Headers.TryAddWithoutValidation(EventHeader, entry.Event.Name());
        if (channel.Options.Secret is { Length: > 0 } secret)
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            request.Headers.TryAddWithoutValidation(TimestampHeader, timestamp);
            request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(secret, timestamp, entry.Payload));
        }

        foreach (var (name, value) in channel.Options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return SendAsync(request, cancellationToken);
    }

    private async Task<DeliveryResult> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            return await HttpDelivery.SendAsync(clients.CreateClient(HttpDelivery.ClientName), request, time, cancellationToken);
        }
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of <c>{timestamp}.{body}</c> (what a receiver recomputes to verify).</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
}
