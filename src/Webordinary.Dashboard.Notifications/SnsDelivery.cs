using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// Amazon SNS: <c>Publish</c> to the topic with a message per protocol (<c>MessageStructure=json</c>): the readable
/// text for email and as the default, a short line for SMS, and the payload JSON for SQS, Lambda, HTTP(S) and
/// Firehose subscribers. String attributes <c>event</c>, <c>root_cause</c> / <c>probe</c> and <c>incident_id</c>
/// let subscription filter policies pick messages. A FIFO topic gets the incident as the message group and the
/// idempotency key's hash as the deduplication id. Throttling, 5xx and network failures are tried again; other AWS
/// errors (no such topic, access denied) are refused for good.
/// </summary>
public sealed class SnsDelivery(ISnsClient sns) : IChannelDelivery
{
    public const int MaxSubject = 100;
    public const int MaxSms = 140;

    public ChannelKind Kind => ChannelKind.Sns;

    public async Task<DeliveryResult> SendAsync(NotificationChannel channel, OutboxEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await sns.PublishAsync(Compose(channel.Options.TopicArn!, entry, NotificationPayload.FromJson(entry.Payload)), cancellationToken);
            return DeliveryResult.Ok(200);
        }
        catch (PlatformCallException exception)
        {
            var error = $"{exception.ErrorCode}{(exception.HttpStatus is { } status ? $" (HTTP {status})" : "")}: {HttpDelivery.OneLine(exception.ErrorMessage)}"
                + (exception.RequestId is { } requestId ? $" [request {requestId}]" : "");
            var retry = exception.HttpStatus is null or 429 or >= 500 || exception.ErrorCode.Contains("Throttl", StringComparison.OrdinalIgnoreCase)
                || exception.ErrorCode is "NetworkError" or "CallTimeout" or "CredentialsNotResolved" or "KMSThrottling";
            return retry ? DeliveryResult.Failed(error, exception.HttpStatus) : DeliveryResult.Refused(error, exception.HttpStatus);
        }
    }

    public static SnsPublish Compose(string topicArn, OutboxEntry entry, NotificationPayload payload)
    {
        var text = $"{payload.Title}\n\n{payload.Summary}\n\n{payload.Incident?.Page ?? payload.Incident?.Url ?? payload.Probe?.Url ?? payload.DashboardUrl}\n\n-- Webordinary Dashboard · {payload.Key}";
        var message = new JsonObject
        {
            ["default"] = text,
            ["email"] = text,
            ["sms"] = Clip($"[Webordinary] {payload.Title}", MaxSms),
            ["sqs"] = entry.Payload,
            ["lambda"] = entry.Payload,
            ["http"] = entry.Payload,
            ["https"] = entry.Payload,
            ["firehose"] = entry.Payload,
        };
        var attributes = new Dictionary<string, string> { ["event"] = payload.Event };
        if (payload.Incident is { } incident)
        {
            attributes["incident_id"] = incident.Id;
            attributes["root_cause"] = incident.RootCause;
        }

        if (payload.Probe is { } probe)
        {
            attributes["probe"] = probe.Id;
        }

        return new SnsPublish(topicArn, message.ToJsonString(), Subject(payload.Title), PerProtocol: true, attributes,
            GroupId: payload.Incident?.Id ?? payload.Probe?.Id ?? "test",
            DeduplicationId: Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(entry.Key))));
    }

    /// <summary>SNS's subject: printable ASCII, no line breaks, at most 100 characters.</summary>
    public static string Subject(string title)
    {
        var ascii = new string([.. $"[Webordinary] {title}".Select(c => c is >= ' ' and <= '~' ? c : '?')]);
        return Clip(ascii, MaxSubject);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 3)] + "...";
}
