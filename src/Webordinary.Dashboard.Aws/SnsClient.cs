using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>SNS over awsQuery (<c>Version=2010-03-31</c>, XML replies): Publish only.</summary>
public sealed class SnsClient(AwsTransport transport) : ISnsClient
{
    private const string Version = "2010-03-31";

    public async Task<string> PublishAsync(SnsPublish message, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("TopicArn", message.TopicArn),
            new("Message", message.Message),
        };
        if (message.Subject is { Length: > 0 } subject)
        {
            parameters.Add(new("Subject", subject));
        }

        if (message.PerProtocol)
        {
            parameters.Add(new("MessageStructure", "json"));
        }

        var index = 0;
        foreach (var (name, value) in message.Attributes ?? new Dictionary<string, string>())
        {
            var prefix = $"MessageAttributes.entry.{++index}";
            parameters.Add(new($"{prefix}.Name", name));
            parameters.Add(new($"{prefix}.Value.DataType", "String"));
            parameters.Add(new($"{prefix}.Value.StringValue", value));
        }

        if (message.IsFifoTopic)
        {
            parameters.Add(new("MessageGroupId", message.GroupId ?? "webordinary-dashboard"));
            if (message.DeduplicationId is { } deduplication)
            {
                parameters.Add(new("MessageDeduplicationId", deduplication));
            }
        }

        var reply = await transport.SendAsync(AwsService.Sns, "Publish",
            endpoint => AwsTransport.QueryRequest(endpoint, "Publish", Version, parameters), cancellationToken);
        return QueryXml.Value(QueryXml.Parse(reply), "PublishResult", "MessageId") ?? "";
    }
}
