namespace Webordinary.Dashboard.Notifications;

/// <summary><c>Notifications</c> section: the channels, and how hard the sender tries.</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary>Channels by name (<c>Notifications:Channels:{name}</c>).</summary>
    public Dictionary<string, ChannelOptions> Channels { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Attempts per message, the first included; then it is a dead letter (shown on the Notifications page, retried from there).</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>The wait before the first retry; it doubles with each failure up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A receiver's <c>Retry-After</c> is honoured up to this long.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Limit for one attempt (connect, send, answer).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest an "opened" message waits while its incident is still taking shape (probes that need the root cause
    /// failing but not yet Down, or something the root cause needs being checked): one message with every affected probe
    /// instead of one per probe. Usually a second or two; zero sends at once.
    /// </summary>
    public TimeSpan GroupWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the delivery log keeps delivered, dead and cancelled messages (of closed incidents).</summary>
    public TimeSpan LogRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Sandbox mode only: the built-in channels that deliver into the sandbox's inbox page (<c>/sandbox/inbox</c>).</summary>
    public bool SandboxInbox { get; set; } = true;
}

/// <summary>
/// <c>Notifications:Channels:{name}</c>: where messages go (<see cref="Kind"/> and its settings), which probes and events
/// it takes, and how fast. Secrets (URLs, <see cref="Secret"/>, <see cref="Password"/>) belong in the environment.
/// </summary>
public sealed class ChannelOptions
{
    /// <summary><c>Webhook</c>, <c>Slack</c>, <c>Email</c> or <c>Sns</c>.</summary>
    public string Kind { get; set; } = "";

    public bool Enabled { get; set; } = true;

    /// <summary>Webhook: where the JSON is POSTed. Slack: the incoming webhook's URL. A secret either way.</summary>
    public string? Url { get; set; }

    /// <summary>Webhook: the shared secret of the HMAC-SHA256 signature header (at least 16 characters).</summary>
    public string? Secret { get; set; }

    /// <summary>Webhook: extra request headers (e.g. an Authorization for the receiver); their values are secrets.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>Opened</c>, <c>Resolved</c>, <c>StillOpen</c>, <c>Degraded</c>; unset: Opened and Resolved, plus the ones whose interval is set.</summary>
    public string[]? Events { get; set; }

    /// <summary>Only incidents of (root cause or affected) these probes; with the other filters, all must match.</summary>
    public string[]? Probes { get; set; }

    /// <summary>Only probes that check these components (ECS, ALB, Hermes, DynamoDB, CloudWatch, EFS, EC2).</summary>
    public string[]? Components { get; set; }

    /// <summary>Only probes with one of these tags (<c>Dashboard:Probes:{id}:Tags</c>).</summary>
    public string[]? Tags { get; set; }

    /// <summary>A reminder while an incident stays open, every this long.</summary>
    public TimeSpan? StillOpenEvery { get; set; }

    /// <summary>A message when a probe has been Degraded without a break for this long.</summary>
    public TimeSpan? DegradedAfter { get; set; }

    /// <summary>Messages per minute at most (attempts included); more wait their turn.</summary>
    public int RateLimit { get; set; } = 20;

    /// <summary>Email: the SMTP server.</summary>
    public string? Host { get; set; }

    /// <summary>Email: 587 (submission, STARTTLS), 465 (TLS from the start) or 25.</summary>
    public int? Port { get; set; }

    /// <summary>Email: <c>Auto</c> (TLS on 465, else STARTTLS when the server offers it), <c>StartTls</c> (required), <c>Tls</c>, or <c>None</c>.</summary>
    public string? Security { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Email: the sender, e.g. <c>Webordinary Dashboard &lt;dashboard@example.com&gt;</c>.</summary>
    public string? From { get; set; }

    public string[]? To { get; set; }

    /// <summary>Email: a PEM file with the certificate (or its CA) the server's TLS certificate must chain to, for a private relay.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>Sns: the topic's ARN (in the dashboard's region).</summary>
    public string? TopicArn { get; set; }
}

public enum ChannelKind
{
    Webhook,
    Slack,
    Email,
    Sns,
}

public enum MailSecurity
{
    Auto,
    StartTls,
    Tls,
    None,
}
