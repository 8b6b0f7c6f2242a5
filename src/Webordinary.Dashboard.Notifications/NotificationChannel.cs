using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Notifications;

/// <summary>Which probes a channel takes: each filter given must match (probes, components, tags); none given: every probe.</summary>
public sealed record ChannelFilter(IReadOnlyList<string> Probes, IReadOnlyList<PlatformComponent> Components, IReadOnlyList<string> Tags)
{
    public static readonly ChannelFilter Everything = new([], [], []);

    public bool IsEverything => Probes.Count == 0 && Components.Count == 0 && Tags.Count == 0;

    public bool Selects(string probeId, ProbeCatalog catalog)
    {
        if (IsEverything)
        {
            return true;
        }

        if (Probes.Count > 0 && !Probes.Contains(probeId, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        if (Components.Count > 0 && (catalog.Topology.ComponentOf(probeId) is not { } component || !Components.Contains(component)))
        {
            return false;
        }

        return Tags.Count == 0
            || (catalog.TryGet(probeId, out var definition, out _) && (definition.Settings.Tags ?? []).Any(t => Tags.Contains(t, StringComparer.OrdinalIgnoreCase)));
    }

    public string Describe() => IsEverything
        ? "every probe"
        : string.Join("; ", new[]
        {
            Probes.Count > 0 ? "probes " + string.Join(", ", Probes) : null,
            Components.Count > 0 ? "components " + string.Join(", ", Components.Select(c => c.DisplayName())) : null,
            Tags.Count > 0 ? "tags " + string.Join(", ", Tags) : null,
        }.Where(p => p is not null));
}

/// <summary>A configured channel, checked at start (<see cref="NotificationOptionsValidator"/>).</summary>
/// <param name="BuiltIn">One of the sandbox's inbox channels, not from configuration.</param>
public sealed record NotificationChannel(string Name, ChannelKind Kind, ChannelOptions Options, IReadOnlySet<NotificationEvent> Events, ChannelFilter Filter, bool BuiltIn = false)
{
    public bool Wants(NotificationEvent notificationEvent) => notificationEvent == NotificationEvent.Test || Events.Contains(notificationEvent);

    /// <summary>Where it sends, with the secret parts left out: a webhook's host (its path and query are the secret), an SMTP server and the recipients, a topic.</summary>
    public string Target => Kind switch
    {
        ChannelKind.Webhook or ChannelKind.Slack => MaskUrl(Options.Url),
        ChannelKind.Email => $"smtp://{Options.Host}:{EmailPort} → {string.Join(", ", Options.To ?? [])}",
        _ => Options.TopicArn ?? "",
    };

    public int EmailPort => Options.Port ?? (Security == MailSecurity.Tls ? 465 : 587);

    public MailSecurity Security => Enum.TryParse<MailSecurity>(Options.Security, ignoreCase: true, out var security) ? security : MailSecurity.Auto;

    public static string MaskUrl(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri)
        ? $"{uri.Scheme}://{uri.Authority}{(uri.PathAndQuery.Length > 1 ? "/…" : "/")}"
        : "(no URL)";

    /// <summary>The events a channel takes when it does not say: opened, resolved and acknowledged, and the ones whose interval it sets.</summary>
    public static IReadOnlySet<NotificationEvent> EventsOf(ChannelOptions options)
    {
        if (options.Events is { Length: > 0 } named)
        {
            return named.Select(e => NotificationEvents.TryParse(e, out var parsed) ? parsed : NotificationEvent.Opened).ToHashSet();
        }

        var events = new HashSet<NotificationEvent> { NotificationEvent.Opened, NotificationEvent.Resolved, NotificationEvent.Acknowledged };
        if (options.StillOpenEvery is not null)
        {
            events.Add(NotificationEvent.StillOpen);
        }

        if (options.DegradedAfter is not null)
        {
            events.Add(NotificationEvent.Degraded);
        }

        return events;
    }
}

/// <summary>The channels: those of <c>Notifications:Channels</c> that are enabled, and in sandbox mode the inbox's.</summary>
public sealed class NotificationChannels
{
    private readonly Dictionary<string, NotificationChannel> _byName = new(StringComparer.OrdinalIgnoreCase);

    public NotificationChannels(IOptions<NotificationOptions> options, SandboxInbox? inbox = null)
    {
        foreach (var (name, channel) in options.Value.Channels.Where(c => c.Value.Enabled))
        {
            Add(new NotificationChannel(name, Enum.Parse<ChannelKind>(channel.Kind, ignoreCase: true), channel, NotificationChannel.EventsOf(channel), FilterOf(channel)));
        }

        foreach (var channel in inbox?.Channels ?? [])
        {
            if (!_byName.ContainsKey(channel.Name))
            {
                Add(channel);
            }
        }
    }

    /// <summary>Configured ones in configuration order, then the built-in ones.</summary>
    public List<NotificationChannel> All { get; } = [];

    public NotificationChannel? Get(string name) => _byName.GetValueOrDefault(name);

    private void Add(NotificationChannel channel)
    {
        _byName[channel.Name] = channel;
        All.Add(channel);
    }

    private static ChannelFilter FilterOf(ChannelOptions channel) => new(
        [.. (channel.Probes ?? []).Where(p => !string.IsNullOrWhiteSpace(p))],
        [.. (channel.Components ?? []).Select(c => PlatformComponents.TryParse(c, out var component) ? component : default).Distinct()],
        [.. (channel.Tags ?? []).Where(t => !string.IsNullOrWhiteSpace(t))]);
}
