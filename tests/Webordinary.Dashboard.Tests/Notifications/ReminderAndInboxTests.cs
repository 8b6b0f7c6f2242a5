using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Notifications;

/// <summary>Messages that come with time (still open, degraded) on a controlled clock; the sandbox's inbox.</summary>
public sealed class ReminderAndInboxTests
{
    [Fact]
    public async Task An_incident_open_30_min_gets_a_reminder_every_30_min_and_a_probe_degraded_10_min_gets_one_message()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = TableAndFlows(flows: false);
        settings[$"Dashboard:Probes:{PlatformProbes.Dynamo}:SlowThreshold"] = "00:00:00.050";
        AddWebhook(settings, "ops", receiver.Url());
        settings["Notifications:Channels:ops:StillOpenEvery"] = "00:30:00";
        settings["Notifications:Channels:ops:DegradedAfter"] = "00:10:00";
        await using var host = await DashboardHost.StartAsync(settings, configureServices: s => s.AddSingleton<TimeProvider>(time));
        var faults = host.Get<FaultInjector>();

        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await DeliveredAsync(host, receiver, 1);
        time.Advance(TimeSpan.FromMinutes(30));
        var first = (await DeliveredAsync(host, receiver, 2))[1];
        time.Advance(TimeSpan.FromMinutes(30));
        var second = (await DeliveredAsync(host, receiver, 3))[2];

        Assert.Equal(["opened", "still_open", "still_open"], Events(receiver));
        var incident = JsonDocument.Parse(first.Body).RootElement.GetProperty("incident");
        Assert.InRange(incident.GetProperty("durationMs").GetDouble(), TimeSpan.FromMinutes(30).TotalMilliseconds, TimeSpan.FromMinutes(30.1).TotalMilliseconds);
        Assert.Contains("still down after 30 min", JsonDocument.Parse(first.Body).RootElement.GetProperty("title").GetString());
        Assert.EndsWith(":2:still_open:ops", JsonDocument.Parse(second.Body).RootElement.GetProperty("key").GetString());
        Assert.Empty(SchemaErrors(second.Body));

        // Slow but working: Degraded, and once it has been for 10 minutes, one message.
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Slow, LatencyMs: 100));
        var degraded = await host.RunProbeAsync(PlatformProbes.Dynamo);
        Assert.Equal(ProbeOutcome.Degraded, degraded.Outcome);
        await DeliveredAsync(host, receiver, 4);
        time.Advance(TimeSpan.FromMinutes(10));
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        var message = (await receiver.WaitForCountAsync(5))[4];

        Assert.Equal(["opened", "still_open", "still_open", "resolved", "degraded"], Events(receiver));
        Assert.Empty(SchemaErrors(message.Body));
        var probe = JsonDocument.Parse(message.Body).RootElement.GetProperty("probe");
        Assert.Equal((PlatformProbes.Dynamo, "Degraded"), (probe.GetProperty("id").GetString(), probe.GetProperty("outcome").GetString()));
        Assert.Equal(degraded.StartedAt, probe.GetProperty("since").GetDateTimeOffset());
    }

    [Fact]
    public async Task In_the_sandbox_the_inbox_shows_what_each_built_in_channel_would_send()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, PlatformProbes.Dynamo, "DynamoDbTable");
        await using var host = await DashboardHost.StartAsync(settings);
        var inbox = host.Get<SandboxInbox>();
        var sns = host.Get<SandboxSns>();
        var faults = host.Get<FaultInjector>();

        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        faults.Set(SandboxComponents.DynamoDb, FaultSetting.None);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await WaitAsync(inbox, sns, () => inbox.Messages.Count == 6 && sns.Messages.Count == 2);

        var byChannel = inbox.Messages.Reverse().GroupBy(m => m.Channel).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(["inbox-email", "inbox-slack", "inbox-webhook"], byChannel.Keys.Order());
        Assert.All(byChannel["inbox-webhook"], m => Assert.True(m.SignatureValid));
        Assert.Equal($"{PlatformProbes.Dynamo} is down", byChannel["inbox-webhook"][0].Title);
        Assert.Contains(":red_circle:", byChannel["inbox-slack"][0].Title);
        Assert.Contains("multipart/alternative", byChannel["inbox-email"][0].Body);
        Assert.Equal(SandboxInbox.SnsTopicArn, sns.Messages[0].Publish.TopicArn);
        Assert.StartsWith("[Webordinary]", sns.Messages[0].Publish.Subject);

        using var http = host.CreateClient();
        var page = WebUtility.HtmlDecode(await http.GetStringAsync("sandbox/inbox"));
        Assert.Contains("signature verified", page);
        Assert.Contains($"{PlatformProbes.Dynamo} recovered after", page);
        Assert.Contains("webordinary-sandbox-alerts", page);
    }

    /// <summary>
    /// The receiver has the message and the dashboard has recorded its delivery: only then may the clock move (an
    /// answer still on its way when the clock jumps would be an attempt timed out).
    /// </summary>
    internal static async Task<IReadOnlyList<ReceivedRequest>> DeliveredAsync(DashboardHost host, NotificationReceiver receiver, int count)
    {
        var received = await receiver.WaitForCountAsync(count);
        await DeliveryTests.WaitForStateAsync(host.Get<NotificationCenter>(), "ops", s => !s.Sending && s.LastDeliveredAt is not null && s.LastDeliveredAt == s.LastAttemptAt);
        return received;
    }

    private static async Task WaitAsync(SandboxInbox inbox, SandboxSns sns, Func<bool> done)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (done())
            {
                signal.TrySetResult();
            }
        }

        inbox.Changed += Check;
        sns.Published += Check;
        try
        {
            Check();
            await signal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            inbox.Changed -= Check;
            sns.Published -= Check;
        }
    }

    private static List<string> Events(NotificationReceiver receiver) => [.. receiver.Received.Select(r => r.Headers[WebhookDelivery.EventHeader])];
}
