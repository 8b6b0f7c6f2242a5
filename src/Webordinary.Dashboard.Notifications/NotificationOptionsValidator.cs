using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using MimeKit;
using Webordinary.Dashboard.Probes.Configuration;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// Checks <c>Notifications</c> at start: every message names the key to fix, and none repeats a value that may be a
/// secret (a URL, a password, a header).
/// </summary>
internal sealed partial class NotificationOptionsValidator(IOptions<DashboardOptions> dashboard, IConfiguration configuration) : IValidateOptions<NotificationOptions>
{
    public const int MinSecretLength = 16;

    /// <summary>Headers the dashboard sets itself, or that HTTP owns.</summary>
    private static readonly string[] ReservedHeaders =
    [
        "Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Connection", "Idempotency-Key",
        WebhookDelivery.EventHeader, WebhookDelivery.TimestampHeader, WebhookDelivery.SignatureHeader,
    ];

    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var errors = new List<string>();
        const string root = NotificationOptions.SectionName;
        if (options.MaxAttempts is < 1 or > 50)
        {
            errors.Add($"{root}:MaxAttempts must be between 1 and 50 (got {options.MaxAttempts}).");
        }

        if (options.FirstRetryDelay <= TimeSpan.Zero || options.FirstRetryDelay > options.MaxRetryDelay)
        {
            errors.Add($"{root}:FirstRetryDelay must be positive and at most {root}:MaxRetryDelay (got {options.FirstRetryDelay}).");
        }

        if (options.MaxRetryDelay > TimeSpan.FromHours(6))
        {
            errors.Add($"{root}:MaxRetryDelay must be at most 06:00:00 (got {options.MaxRetryDelay}).");
        }

        if (options.MaxRetryAfter < TimeSpan.Zero || options.MaxRetryAfter > TimeSpan.FromDays(1))
        {
            errors.Add($"{root}:MaxRetryAfter must be between 00:00:00 and 1.00:00:00 (got {options.MaxRetryAfter}).");
        }

        if (options.AttemptTimeout < TimeSpan.FromSeconds(1) || options.AttemptTimeout > TimeSpan.FromMinutes(2))
        {
            errors.Add($"{root}:AttemptTimeout must be between 00:00:01 and 00:02:00 (got {options.AttemptTimeout}).");
        }

        if (options.GroupWait < TimeSpan.Zero || options.GroupWait > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{root}:GroupWait must be between 00:00:00 and 00:05:00 (got {options.GroupWait}).");
        }

        if (options.LogRetention < TimeSpan.FromDays(1))
        {
            errors.Add($"{root}:LogRetention must be at least 1.00:00:00 (got {options.LogRetention}).");
        }

        // The binder drops a dictionary entry it cannot convert instead of failing: bind each channel on its own to name the key.
        foreach (var section in configuration.GetSection($"{root}:Channels").GetChildren())
        {
            try
            {
                section.Get<ChannelOptions>();
            }
            catch (InvalidOperationException exception)
            {
                errors.Add($"{root}:Channels:{section.Key}: {exception.Message}");
            }
        }

        foreach (var (channel, settings) in options.Channels)
        {
            Validate($"{root}:Channels:{channel}", channel, settings, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private void Validate(string key, string name, ChannelOptions channel, List<string> errors)
    {
        if (!ProbeIdFormat.IsValid(name))
        {
            errors.Add($"{key}: the channel name may contain only letters, digits, '-' and '_' (at most 64).");
        }

        var kinds = string.Join(", ", Enum.GetNames<ChannelKind>());
        if (!Enum.GetNames<ChannelKind>().Any(k => string.Equals(k, channel.Kind, StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add(string.IsNullOrWhiteSpace(channel.Kind)
                ? $"{key}:Kind is required: {kinds}."
                : $"{key}:Kind '{Clip(channel.Kind)}' is not a channel kind. Known: {kinds}.");
            return;
        }

        var kind = Enum.Parse<ChannelKind>(channel.Kind, ignoreCase: true);
        var events = new HashSet<NotificationEvent>();
        foreach (var (text, index) in (channel.Events ?? []).Select((e, i) => (e, i)))
        {
            if (!NotificationEvents.TryParse(text, out var parsed) || parsed == NotificationEvent.Test)
            {
                errors.Add($"{key}:Events:{index} '{Clip(text)}' is not an event. Known: Opened, Resolved, StillOpen, Degraded, Acknowledged.");
            }
            else
            {
                events.Add(parsed);
            }
        }

        if (events.Contains(NotificationEvent.StillOpen) && channel.StillOpenEvery is null)
        {
            errors.Add($"{key}:Events names StillOpen: set {key}:StillOpenEvery too (e.g. \"00:30:00\").");
        }

        if (events.Contains(NotificationEvent.Degraded) && channel.DegradedAfter is null)
        {
            errors.Add($"{key}:Events names Degraded: set {key}:DegradedAfter too (e.g. \"00:10:00\").");
        }

        if (channel.StillOpenEvery is { } every && (every < TimeSpan.FromMinutes(1) || every > TimeSpan.FromDays(7)))
        {
            errors.Add($"{key}:StillOpenEvery must be between 00:01:00 and 7.00:00:00 (got {every}).");
        }

        if (channel.DegradedAfter is { } after && (after < TimeSpan.FromMinutes(1) || after > TimeSpan.FromDays(7)))
        {
            errors.Add($"{key}:DegradedAfter must be between 00:01:00 and 7.00:00:00 (got {after}).");
        }

        if (channel.RateLimit is < 1 or > 600)
        {
            errors.Add($"{key}:RateLimit must be between 1 and 600 messages a minute (got {channel.RateLimit}).");
        }

        foreach (var (probe, index) in (channel.Probes ?? []).Select((p, i) => (p, i)))
        {
            if (!dashboard.Value.Probes.ContainsKey(probe))
            {
                errors.Add($"{key}:Probes:{index} names '{Clip(probe)}', which is not a configured probe (Dashboard:Probes).");
            }
        }

        foreach (var (component, index) in (channel.Components ?? []).Select((c, i) => (c, i)))
        {
            if (!PlatformComponents.TryParse(component, out _))
            {
                errors.Add($"{key}:Components:{index} '{Clip(component)}' is not a component. Known: {PlatformComponents.Known}.");
            }
        }

        foreach (var (tag, index) in (channel.Tags ?? []).Select((t, i) => (t, i)))
        {
            if (!ProbeIdFormat.IsValid(tag))
            {
                errors.Add($"{key}:Tags:{index} '{Clip(tag)}' may contain only letters, digits, '-' and '_'.");
            }
        }

        switch (kind)
        {
            case ChannelKind.Webhook or ChannelKind.Slack:
                if (!Uri.TryCreate(channel.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0)
                {
                    // The URL is a secret (Slack's carries its token): never repeated here.
                    errors.Add(string.IsNullOrWhiteSpace(channel.Url)
                        ? $"{key}:Url is required for a {kind} channel."
                        : $"{key}:Url must be an absolute http(s) URL without user info (the value is not shown: it is a secret).");
                }

                if (channel.Secret is { } secret && secret.Length < MinSecretLength)
                {
                    errors.Add($"{key}:Secret must be at least {MinSecretLength} characters (e.g. `openssl rand -hex 32`).");
                }

                foreach (var (header, value) in channel.Headers)
                {
                    if (!HeaderName().IsMatch(header))
                    {
                        errors.Add($"{key}:Headers: '{Clip(header)}' is not a valid header name.");
                    }
                    else if (ReservedHeaders.Contains(header, StringComparer.OrdinalIgnoreCase))
                    {
                        errors.Add($"{key}:Headers:{header} is set by the dashboard itself.");
                    }
                    else if (value.Any(c => c is '\r' or '\n' or '\0'))
                    {
                        errors.Add($"{key}:Headers:{header} must be one line.");
                    }
                }

                if (kind == ChannelKind.Slack && (channel.Secret is not null || channel.Headers.Count > 0))
                {
                    errors.Add($"{key}: Secret and Headers are for Webhook channels; a Slack incoming webhook's URL is its credential.");
                }

                break;

            case ChannelKind.Email:
                if (string.IsNullOrWhiteSpace(channel.Host) || Uri.CheckHostName(channel.Host) == UriHostNameType.Unknown)
                {
                    errors.Add($"{key}:Host must name the SMTP server (e.g. email-smtp.us-east-1.amazonaws.com).");
                }

                if (channel.Port is < 1 or > 65535)
                {
                    errors.Add($"{key}:Port must be between 1 and 65535 (got {channel.Port}).");
                }

                if (channel.Security is not null && !Enum.GetNames<MailSecurity>().Any(s => string.Equals(s, channel.Security, StringComparison.OrdinalIgnoreCase)))
                {
                    errors.Add($"{key}:Security '{Clip(channel.Security)}' is not one of {string.Join(", ", Enum.GetNames<MailSecurity>())}.");
                }

                if (!MailboxAddress.TryParse(channel.From ?? "", out _))
                {
                    errors.Add($"{key}:From must be an address such as \"Webordinary Dashboard <dashboard@example.com>\".");
                }

                if (channel.To is not { Length: > 0 })
                {
                    errors.Add($"{key}:To must name at least one recipient ({key}:To:0).");
                }

                foreach (var (to, index) in (channel.To ?? []).Select((t, i) => (t, i)))
                {
                    if (!MailboxAddress.TryParse(to, out _))
                    {
                        errors.Add($"{key}:To:{index} '{Clip(to)}' is not an e-mail address.");
                    }
                }

                if (string.IsNullOrEmpty(channel.Username) != string.IsNullOrEmpty(channel.Password))
                {
                    errors.Add($"{key}: set both Username and Password (sign-in), or neither.");
                }

                if (channel.CaCertificate is { } ca && !CanLoadCertificate(ca))
                {
                    errors.Add($"{key}:CaCertificate '{Clip(ca)}' is not a readable PEM certificate file.");
                }

                break;

            case ChannelKind.Sns:
                if (channel.TopicArn is null || !TopicArn().IsMatch(channel.TopicArn))
                {
                    errors.Add($"{key}:TopicArn must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:webordinary-alerts.");
                }

                break;
        }
    }

    private static bool CanLoadCertificate(string path)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            return certificates.Count > 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private static string Clip(string? value) => value is { Length: > 64 } ? value[..64] + "…" : value ?? "";

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")]
    internal static partial Regex TopicArn();
}
