using System.Net;
using System.Security.Cryptography;

namespace Webordinary.Dashboard.Notifications;

/// <summary>A message the sandbox's inbox took: what the receiver would have been sent, byte for byte.</summary>
/// <param name="SignatureValid">Webhook: whether its signature verified with the channel's secret.</param>
public sealed record InboxMessage(long Id, DateTimeOffset At, string Channel, ChannelKind Kind, string Title, IReadOnlyList<KeyValuePair<string, string>> Headers,
    string ContentType, string Body, bool? SignatureValid);

/// <summary>
/// Sandbox mode's receiver: built-in channels (a webhook, Slack, email, SNS) whose messages go through the real
/// channels' code and end here instead of on the network, so a newcomer sees on <c>/sandbox/inbox</c> exactly what
/// the dashboard would send, without any account. (SNS messages are the sandbox SNS's, shown on the same page.)
/// </summary>
public sealed class SandboxInbox
{
    /// <summary>The host the built-in channels send to; nothing resolves it, the inbox takes the requests first.</summary>
    public const string Host = "inbox.sandbox";
    public const int Capacity = 200;
    public const string SnsTopicArn = "arn:aws:sns:us-east-1:000000000000:webordinary-sandbox-alerts";

    private readonly Lock _gate = new();
    private readonly LinkedList<InboxMessage> _messages = new();
    private readonly TimeProvider _time;
    private long _next;

    public SandboxInbox(TimeProvider time)
    {
        _time = time;
        // A secret of this process's own: the inbox shows that the webhook's signature verifies.
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        Channels =
        [
            Channel("inbox-webhook", ChannelKind.Webhook, new ChannelOptions { Url = $"http://{Host}/inbox-webhook", Secret = secret }),
            Channel("inbox-slack", ChannelKind.Slack, new ChannelOptions { Url = $"http://{Host}/inbox-slack" }),
            Channel("inbox-email", ChannelKind.Email, new ChannelOptions
            {
                Host = Host, Port = 25, Security = nameof(MailSecurity.None), From = "Webordinary Dashboard <dashboard@sandbox.invalid>", To = ["team@sandbox.invalid"],
            }),
            Channel("inbox-sns", ChannelKind.Sns, new ChannelOptions { TopicArn = SnsTopicArn }),
        ];
    }

    public IReadOnlyList<NotificationChannel> Channels { get; }

    /// <summary>After each message taken.</summary>
    public event Action? Changed;

    /// <summary>Newest first.</summary>
    public IReadOnlyList<InboxMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>An email channel of the inbox (its host is the inbox's).</summary>
    public static bool Takes(NotificationChannel channel) => string.Equals(channel.Options.Host, Host, StringComparison.OrdinalIgnoreCase);

    public void Record(string channel, ChannelKind kind, string title, IReadOnlyList<KeyValuePair<string, string>> headers, string contentType, string body,
        bool? signatureValid = null)
    {
        lock (_gate)
        {
            _messages.AddFirst(new InboxMessage(++_next, _time.GetUtcNow(), channel, kind, title, headers, contentType, body, signatureValid));
            if (_messages.Count > Capacity)
            {
                _messages.RemoveLast();
            }
        }

        Changed?.Invoke();
    }

    /// <summary>In front of the notifications' HTTP client: takes the requests to <see cref="Host"/>, lets the others through.</summary>
    public DelegatingHandler CreateHandler() => new InboxHandler(this);

    private static NotificationChannel Channel(string name, ChannelKind kind, ChannelOptions options)
    {
        options.Kind = kind.ToString();
        options.RateLimit = 60;
        return new NotificationChannel(name, kind, options, NotificationChannel.EventsOf(options), ChannelFilter.Everything, BuiltIn: true);
    }

    private sealed class InboxHandler(SandboxInbox inbox) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!string.Equals(request.RequestUri?.Host, Host, StringComparison.OrdinalIgnoreCase))
            {
                return await base.SendAsync(request, cancellationToken);
            }

            var name = request.RequestUri!.AbsolutePath.Trim('/');
            var channel = inbox.Channels.FirstOrDefault(c => c.Name == name);
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                .Select(h => new KeyValuePair<string, string>(h.Key, string.Join(", ", h.Value))).ToList();
            bool? verified = null;
            if (channel?.Options.Secret is { } secret && request.Headers.TryGetValues(WebhookDelivery.TimestampHeader, out var stamps)
                && request.Headers.TryGetValues(WebhookDelivery.SignatureHeader, out var signatures))
            {
                verified = CryptographicOperations.FixedTimeEquals(
                    System.Text.Encoding.ASCII.GetBytes(WebhookDelivery.Sign(secret, stamps.First(), body)), System.Text.Encoding.ASCII.GetBytes(signatures.First()));
            }

            var title = channel?.Kind == ChannelKind.Webhook ? TitleOf(body) : SlackTitleOf(body);
            inbox.Record(name, channel?.Kind ?? ChannelKind.Webhook, title, headers, request.Content?.Headers.ContentType?.ToString() ?? "", body, verified);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("ok"), RequestMessage = request };
        }

        private static string TitleOf(string body)
        {
            try
            {
                return NotificationPayload.FromJson(body).Title;
            }
            catch (System.Text.Json.JsonException)
            {
                return "(not a notification)";
            }
        }

        private static string SlackTitleOf(string body)
        {
            try
            {
                return System.Text.Json.Nodes.JsonNode.Parse(body)?["text"]?.GetValue<string>() ?? "";
            }
            catch (System.Text.Json.JsonException)
            {
                return "(not a Slack message)";
            }
        }
    }
}
