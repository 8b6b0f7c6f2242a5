using System.Text.RegularExpressions;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Sandbox;

/// <summary>A message the sandbox's SNS took, as a subscriber of its topic would see it.</summary>
public sealed record SandboxSnsMessage(string MessageId, DateTimeOffset At, SnsPublish Publish);

/// <summary>
/// The sandbox's SNS: Publish checks what SNS checks (a topic ARN, the subject's limits, a <c>default</c> text with
/// <c>MessageStructure=json</c>) and keeps the last <see cref="Capacity"/> messages for the sandbox's inbox page.
/// </summary>
public sealed partial class SandboxSns(TimeProvider time) : ISnsClient
{
    public const int Capacity = 200;

    private readonly Lock _gate = new();
    private readonly LinkedList<SandboxSnsMessage> _messages = new();

    /// <summary>After each message taken.</summary>
    public event Action? Published;

    /// <summary>Newest first.</summary>
    public IReadOnlyList<SandboxSnsMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    public Task<string> PublishAsync(SnsPublish message, CancellationToken cancellationToken)
    {
        if (!TopicArn().IsMatch(message.TopicArn))
        {
            throw new PlatformResourceNotFoundException("sns", "Publish", "NotFound", message.TopicArn, "Topic does not exist", 404, RequestId());
        }

        if (message.Subject is { } subject && (subject.Length > 100 || subject.Any(c => c is < ' ' or > '~')))
        {
            throw new PlatformCallException("sns", "Publish", "InvalidParameter", "Invalid parameter: Subject", 400, RequestId());
        }

        if (message.PerProtocol && !message.Message.Contains("\"default\"", StringComparison.Ordinal))
        {
            throw new PlatformCallException("sns", "Publish", "InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body", 400, RequestId());
        }

        var taken = new SandboxSnsMessage(Guid.NewGuid().ToString(), time.GetUtcNow(), message);
        lock (_gate)
        {
            _messages.AddFirst(taken);
            if (_messages.Count > Capacity)
            {
                _messages.RemoveLast();
            }
        }

        Published?.Invoke();
        return Task.FromResult(taken.MessageId);
    }

    private static string RequestId() => Guid.NewGuid().ToString();

    [GeneratedRegex(@"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")]
    private static partial Regex TopicArn();
}
