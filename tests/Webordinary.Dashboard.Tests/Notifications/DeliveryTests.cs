using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Notifications;

/// <summary>Delivery you can rely on: retries with capped backoff and Retry-After, once only, across restarts.</summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task A_retry_wait_ends_at_its_deadline_when_the_clock_reached_it_while_the_timer_was_being_made()
    {
        var fake = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var deadline = fake.GetUtcNow() + TimeSpan.FromSeconds(2);

        // The test's clock moves to the deadline between the wait measuring its delay and making its timer.
        var wait = new WakeSignal().WaitAsync(deadline, new ClockMovingAsTimersAreMade(fake, TimeSpan.FromSeconds(2)), CancellationToken.None);

        await wait.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(deadline, fake.GetUtcNow());
    }

    /// <summary>A clock that moves by <paramref name="step"/> each time a timer is made on it.</summary>
    private sealed class ClockMovingAsTimersAreMade(FakeTimeProvider clock, TimeSpan step) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            clock.Advance(step);
            return clock.CreateTimer(callback, state, dueTime, period);
        }
    }

    [Fact]
    public async Task A_receiver_answering_500_then_429_with_retry_after_for_20_s_gets_the_message_once_after_it_recovers()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        DateTimeOffset? firstAttempt = null;
        await using var receiver = await NotificationReceiver.StartAsync();
        // The receiver's outage runs on the dashboard's clock: 500 for 10 s, then 429 "come back in 5 s" until 20 s.
        receiver.Answer = request =>
        {
            var now = time.GetUtcNow();
            firstAttempt ??= now;
            var down = now - firstAttempt.Value;
            return down < TimeSpan.FromSeconds(10) ? (500, null, "boom")
                : down < TimeSpan.FromSeconds(20) ? (429, "5", "slow down")
                : (200, null, "ok");
        };
        var settings = TableAndFlows(flows: false);
        AddWebhook(settings, "ops", receiver.Url());
        await using var host = await DashboardHost.StartAsync(settings, configureServices: s => s.AddSingleton<TimeProvider>(time));
        var center = host.Get<NotificationCenter>();
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));

        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        // Each failed attempt sets when the channel tries again: move the clock there, until one is delivered.
        for (var attempt = 1; ; attempt++)
        {
            var state = await WaitForStateAsync(center, "ops", s => s.LastAttemptAt is not null && receiver.Received.Count == attempt && !s.Sending);
            if (state.ConsecutiveFailures == 0)
            {
                break;
            }

            Assert.True(attempt < 10, "still failing after 10 attempts");
            time.Advance(state.NextAttemptAt!.Value - time.GetUtcNow());
        }

        var requests = receiver.Received;
        Assert.Equal([500, 500, 500, 500, 429, 200], requests.Select(r => r.Status));
        // 1, 2, 4, 8 s of backoff, then the 5 s the 429 asked for.
        var delivery = Assert.Single(await center.ListAsync(new DeliveryQuery(), CancellationToken.None));
        Assert.Equal((DeliveryState.Delivered, 6), (delivery.State, delivery.Attempts));
        Assert.Equal(firstAttempt!.Value + TimeSpan.FromSeconds(1 + 2 + 4 + 8 + 5), delivery.DeliveredAt);
        Assert.Equal(TimeSpan.FromSeconds(20), delivery.Latency);
        Assert.Single(requests.Select(r => r.Body).Distinct());
        Assert.Single(requests.Select(r => r.Headers["Idempotency-Key"]).Distinct());

        // Nothing more goes to the channel: a test message behind it arrives alone.
        await center.SendTestAsync("ops", "test", CancellationToken.None);
        var after = await receiver.WaitForCountAsync(7);
        Assert.Equal("test", after[6].Headers[WebhookDelivery.EventHeader]);
        Assert.Single(after, r => r.Status == 200 && r.Headers[WebhookDelivery.EventHeader] == "opened");
    }

    [Fact]
    public async Task A_message_to_a_receiver_down_across_a_restart_is_delivered_after_the_restart_and_only_once()
    {
        var port = DashboardHost.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/hook");
        var settings = TableAndFlows(flows: false);
        AddWebhook(settings, "ops", url);
        string contentRoot;
        await using (var first = await DashboardHost.StartAsync(settings))
        {
            contentRoot = first.ContentRoot;
            first.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
            await first.RunProbeAsync(PlatformProbes.Dynamo);
            await first.RunProbeAsync(PlatformProbes.Dynamo);
            // Nothing listens on the port: the attempt fails, and the message waits for its retry when the dashboard stops.
            var failing = await WaitForStateAsync(first.Get<NotificationCenter>(), "ops", s => s.ConsecutiveFailures >= 1);
            Assert.Contains("ConnectionError", failing.LastError);
        }

        await using var receiver = await NotificationReceiver.StartAsync(url.GetLeftPart(UriPartial.Authority));
        await using (var second = await DashboardHost.StartAsync(settings, contentRoot))
        {
            var opened = (await receiver.WaitForCountAsync(1)).Single();
            Assert.Equal("opened", opened.Headers[WebhookDelivery.EventHeader]);
            await WaitForStateAsync(second.Get<NotificationCenter>(), "ops", s => s.LastDeliveredAt is not null);
            var delivery = Assert.Single(await second.Get<NotificationCenter>().ListAsync(new DeliveryQuery(), CancellationToken.None));
            Assert.Equal(DeliveryState.Delivered, delivery.State);
            Assert.True(delivery.Attempts >= 2);
        }

        // A third start finds it delivered: the incident is still open (picked up again), and nothing is sent again.
        await using var third = await DashboardHost.StartAsync(settings, contentRoot);
        using var http = third.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("api/notifications/channels/ops/test", null)).StatusCode);
        var all = await receiver.WaitForCountAsync(2);
        Assert.Equal(["opened", "test"], all.Select(r => r.Headers[WebhookDelivery.EventHeader]));
        var log = await http.GetFromJsonAsync<JsonElement>("api/notifications");
        Assert.Equal(2, log.GetProperty("deliveries").GetArrayLength());
    }

    [Fact]
    public async Task A_channel_over_its_rate_limit_holds_the_next_message_until_its_turn_on_the_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = TableAndFlows(flows: false);
        AddWebhook(settings, "ops", receiver.Url());
        settings["Notifications:Channels:ops:RateLimit"] = "2";
        await using var host = await DashboardHost.StartAsync(settings, configureServices: s => s.AddSingleton<TimeProvider>(time));
        var center = host.Get<NotificationCenter>();

        for (var i = 0; i < 3; i++)
        {
            await center.SendTestAsync("ops", "test", CancellationToken.None);
        }

        // Two a minute: the first two at once, the third when the bucket has refilled one, 30 s later.
        var held = await WaitForStateAsync(center, "ops", s => receiver.Received.Count == 2 && s.NextAttemptAt is not null && !s.Sending);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(30), held.NextAttemptAt);
        Assert.Equal(1, held.Pending);
        time.Advance(TimeSpan.FromSeconds(30));
        await WaitForStateAsync(center, "ops", s => s.Pending == 0 && !s.Sending && s.LastDeliveredAt == held.NextAttemptAt);

        var deliveries = await center.ListAsync(new DeliveryQuery(), CancellationToken.None);
        Assert.Equal(3, receiver.Received.Count);
        Assert.All(deliveries, d => Assert.Equal((DeliveryState.Delivered, 1), (d.State, d.Attempts)));
        Assert.Equal(TimeSpan.FromSeconds(30), deliveries.Max(d => d.DeliveredAt) - deliveries.Min(d => d.DeliveredAt));
    }

    [Fact]
    public async Task A_channel_whose_receiver_hangs_delays_neither_the_probes_nor_another_channel()
    {
        await using var hanging = await NotificationReceiver.StartAsync();
        await using var healthy = await NotificationReceiver.StartAsync();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hanging.BeforeAnswer = async cancellationToken =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(cancellationToken);
        };
        var settings = TableAndFlows(flows: false);
        settings["Notifications:AttemptTimeout"] = "00:02:00";
        AddWebhook(settings, "hanging", hanging.Url());
        AddWebhook(settings, "healthy", healthy.Url());
        await using var host = await DashboardHost.StartAsync(settings);
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));

        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await host.RunProbeAsync(PlatformProbes.Dynamo);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var opened = (await healthy.WaitForCountAsync(1)).Single();
        // The hanging receiver still holds its request: the probes run and record as ever, and the healthy channel goes on.
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, FaultSetting.None);
        var recovered = await host.RunProbeAsync(PlatformProbes.Dynamo);
        var resolved = (await healthy.WaitForCountAsync(2))[1];

        Assert.False(release.Task.IsCompleted);
        Assert.Empty(hanging.Received);
        Assert.Equal(ProbeOutcome.Pass, recovered.Outcome);
        Assert.Equal(("opened", "resolved"), (opened.Headers[WebhookDelivery.EventHeader], resolved.Headers[WebhookDelivery.EventHeader]));
        release.SetResult();
        var late = await hanging.WaitForCountAsync(2);
        Assert.Equal(["opened", "resolved"], late.Select(r => r.Headers[WebhookDelivery.EventHeader]));
    }

    /// <summary>The channel's state once it matches (told by the center's Changed: a signal).</summary>
    internal static async Task<ChannelState> WaitForStateAsync(NotificationCenter center, string channel, Func<ChannelState, bool> match, TimeSpan? timeout = null)
    {
        var done = new TaskCompletionSource<ChannelState>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (center.StateOf(channel) is { } state && match(state))
            {
                done.TrySetResult(state);
            }
        }

        using var changes = center.Subscribe(Check);
        Check();
        try
        {
            return await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"Channel {channel} never got there; it is {center.StateOf(channel)}", exception);
        }
    }
}
