using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Testing;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Notifications;

/// <summary>Amazon SNS against moto: a topic with an SQS queue subscribed, as the team's on-call path would have.</summary>
public sealed class SnsNotificationTests
{
    private static readonly AwsService Sqs = new("Sqs", "sqs", "sqs", "SQS");

    [Fact]
    public async Task A_test_message_published_to_the_topic_arrives_in_the_subscribed_queue_as_the_payload_with_its_attributes()
    {
        MotoServer.UseEnvironmentCredentials();
        await using var moto = await MotoServer.StartAsync(workers: 0);
        var topicArn = $"arn:aws:sns:{moto.Seed.Region}:123456789012:webordinary-alerts";
        var settings = moto.DashboardSettings();
        settings["Notifications:Channels:oncall:Kind"] = "Sns";
        settings["Notifications:Channels:oncall:TopicArn"] = topicArn;
        await using var host = await DashboardHost.StartAsync(settings);
        var aws = host.Get<AwsTransport>();
        Assert.Equal(topicArn, Value(await QueryAsync(aws, AwsService.Sns, "CreateTopic", "2010-03-31", ("Name", "webordinary-alerts")), "TopicArn"));
        var queueUrl = Value(await QueryAsync(aws, Sqs, "CreateQueue", "2012-11-05", ("QueueName", "oncall")), "QueueUrl")!;
        var queueArn = Value(await QueryAsync(aws, Sqs, "GetQueueAttributes", "2012-11-05", ("QueueUrl", queueUrl), ("AttributeName.1", "QueueArn")), "Value")!;
        await QueryAsync(aws, AwsService.Sns, "Subscribe", "2010-03-31", ("TopicArn", topicArn), ("Protocol", "sqs"), ("Endpoint", queueArn));

        using var http = host.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("api/notifications/channels/oncall/test", null)).StatusCode);
        await DeliveryTests.WaitForStateAsync(host.Get<NotificationCenter>(), "oncall", s => s.LastDeliveredAt is not null);
        // Long polling: the queue answers as soon as the message is there.
        var received = await QueryAsync(aws, Sqs, "ReceiveMessage", "2012-11-05", ("QueueUrl", queueUrl), ("WaitTimeSeconds", "10"), ("MaxNumberOfMessages", "10"));
        var bodies = received.Descendants().Where(e => e.Name.LocalName == "Body").Select(e => e.Value).ToList();

        var envelope = JsonDocument.Parse(Assert.Single(bodies)).RootElement;
        Assert.Equal(("Notification", topicArn), (envelope.GetProperty("Type").GetString(), envelope.GetProperty("TopicArn").GetString()));
        Assert.Equal("[Webordinary] Test notification from Webordinary Dashboard", envelope.GetProperty("Subject").GetString());
        // The queue's protocol gets the payload itself (MessageStructure=json), in the documented shape.
        var message = envelope.GetProperty("Message").GetString()!;
        Assert.Empty(SchemaErrors(message));
        var payload = JsonDocument.Parse(message).RootElement;
        Assert.Equal(("test", "oncall"), (payload.GetProperty("event").GetString(), payload.GetProperty("channel").GetString()));
        Assert.Equal("test", envelope.GetProperty("MessageAttributes").GetProperty("event").GetProperty("Value").GetString());
    }

    private static async Task<XElement> QueryAsync(AwsTransport aws, AwsService service, string action, string version, params (string Name, string Value)[] parameters) =>
        XDocument.Parse(await aws.SendAsync(service, action,
            endpoint => AwsTransport.QueryRequest(endpoint, action, version, parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))),
            CancellationToken.None)).Root!;

    private static string? Value(XElement root, string name) => root.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}
