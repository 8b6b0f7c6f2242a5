namespace Webordinary.Dashboard.Platform;

/// <summary>One SNS Publish to a topic.</summary>
/// <param name="Message">The text, or with <paramref name="PerProtocol"/> a JSON object of texts by protocol (<c>default</c> required).</param>
/// <param name="Subject">For email subscriptions: at most 100 printable ASCII characters, no line breaks.</param>
/// <param name="PerProtocol">Sent as <c>MessageStructure=json</c>: each subscription gets the text of its protocol, else <c>default</c>.</param>
/// <param name="Attributes">String message attributes (what subscription filter policies match on).</param>
/// <param name="GroupId">FIFO topics only: the message group (ordering).</param>
/// <param name="DeduplicationId">FIFO topics only: SNS drops a second message with this id within 5 minutes.</param>
public sealed record SnsPublish(
    string TopicArn,
    string Message,
    string? Subject = null,
    bool PerProtocol = false,
    IReadOnlyDictionary<string, string>? Attributes = null,
    string? GroupId = null,
    string? DeduplicationId = null)
{
    public bool IsFifoTopic => TopicArn.EndsWith(".fifo", StringComparison.Ordinal);
}

/// <summary>The SNS operation the dashboard uses (awsQuery, <c>Version=2010-03-31</c>): Publish, for notifications.</summary>
public interface ISnsClient
{
    /// <returns>The message id SNS gave the message.</returns>
    Task<string> PublishAsync(SnsPublish message, CancellationToken cancellationToken);
}
