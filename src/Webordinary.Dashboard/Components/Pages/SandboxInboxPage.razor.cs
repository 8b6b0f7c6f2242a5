using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Sandbox;

namespace Webordinary.Dashboard.Components.Pages;

/// <summary>
/// The sandbox's inbox: every message the built-in channels sent (webhook, Slack and email as they went out, SNS as
/// the sandbox's topic took it), newest first, live.
/// </summary>
public sealed partial class SandboxInboxPage : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private IReadOnlyList<InboxMessage> _messages = [];

    [Inject]
    public required IServiceProvider Services { get; init; }

    // Resolved once, here: Dispose runs as the circuit's (or prerender's) scope is torn down, when the provider throws
    // ObjectDisposedException, so asking it there would leave the handlers (and this page) on the singletons for good.
    private SandboxInbox? Inbox { get; set; }

    private SandboxSns? Sns { get; set; }

    protected override void OnInitialized()
    {
        Inbox = Services.GetService<SandboxInbox>();
        Sns = Services.GetService<SandboxSns>();
        if (Inbox is { } inbox)
        {
            inbox.Changed += OnChanged;
        }

        if (Sns is { } sns)
        {
            sns.Published += OnChanged;
        }

        Read();
    }

    private void OnChanged() => _ = InvokeAsync(() =>
    {
        Read();
        StateHasChanged();
    });

    private void Read()
    {
        var messages = (Inbox?.Messages ?? []).Select(m => m with { Body = Pretty(m.Body) });
        var published = (Sns?.Messages ?? []).Select(m => new InboxMessage(0, m.At, TopicName(m.Publish.TopicArn), ChannelKind.Sns, m.Publish.Subject ?? "",
            [new("TopicArn", m.Publish.TopicArn), .. (m.Publish.Attributes ?? new Dictionary<string, string>()).Select(a => new KeyValuePair<string, string>($"attribute {a.Key}", a.Value))],
            "application/json", Pretty(m.Publish.Message), null));
        _messages = [.. messages.Concat(published).OrderByDescending(m => m.At).Take(SandboxInbox.Capacity)];
    }

    private static string TopicName(string arn) => arn[(arn.LastIndexOf(':') + 1)..];

    /// <summary>JSON indented (an SNS message's per-protocol texts unpacked), anything else as it is.</summary>
    private static string Pretty(string body)
    {
        try
        {
            var node = JsonNode.Parse(body);
            if (node is JsonObject perProtocol && perProtocol["sqs"] is JsonValue sqs && sqs.TryGetValue<string>(out var inner))
            {
                perProtocol["sqs"] = JsonNode.Parse(inner);
            }

            return node?.ToJsonString(Indented) ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    public void Dispose()
    {
        if (Inbox is { } inbox)
        {
            inbox.Changed -= OnChanged;
        }

        if (Sns is { } sns)
        {
            sns.Published -= OnChanged;
        }
    }
}
