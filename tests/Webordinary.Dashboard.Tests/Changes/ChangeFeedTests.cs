using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Tests.Changes;

/// <summary>The change feed in one process: who hears what, in which order, and how a throttled subscriber's calls coalesce.</summary>
public sealed class ChangeFeedTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public sealed record Noted(int N) : DashboardChange;

    public sealed record Other(string Text) : DashboardChange;

    [Fact]
    public async Task A_throttled_subscriber_gets_the_first_change_at_once_then_a_burst_in_one_batch_while_an_unthrottled_one_gets_every_change()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var feed = new ChangeFeed([], time, NullLogger<ChangeFeed>.Instance);
        var batches = new List<IReadOnlyList<Noted>>();
        var page = Signal();
        var everyChange = new List<int>();
        var hubDone = Signal();
        using var pageSubscription = feed.Subscribe<Noted>(batch =>
        {
            lock (batches)
            {
                batches.Add(batch);
                page.Release();
            }

            return Task.CompletedTask;
        }, TimeSpan.FromMilliseconds(500));
        using var hubSubscription = feed.Subscribe<Noted>(batch =>
        {
            lock (everyChange)
            {
                everyChange.AddRange(batch.Select(n => n.N));
                if (everyChange.Count == 50)
                {
                    hubDone.Release();
                }
            }

            return Task.CompletedTask;
        }, TimeSpan.Zero);

        feed.Publish(new Noted(0));
        Assert.True(await page.WaitAsync(Wait));
        for (var n = 1; n < 50; n++)
        {
            feed.Publish(new Noted(n));
        }

        // The unthrottled subscriber has them all without the clock moving; the page's batch waits for its interval.
        Assert.True(await hubDone.WaitAsync(Wait));
        Assert.False(await page.WaitAsync(TimeSpan.FromMilliseconds(200)));
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(await page.WaitAsync(Wait));

        Assert.Equal(Enumerable.Range(0, 50), everyChange);
        lock (batches)
        {
            Assert.Equal(2, batches.Count);
            Assert.Equal([0], batches[0].Select(n => n.N));
            Assert.Equal(Enumerable.Range(1, 49), batches[1].Select(n => n.N));
        }
    }

    [Fact]
    public void State_is_applied_before_any_subscriber_hears_and_an_applier_or_subscriber_hears_only_its_type()
    {
        var feed = ChangeFeed.InProcess();
        var applied = 0;
        var seenApplied = new List<int>();
        var others = 0;
        var otherApplied = 0;
        using var handler = feed.Subscribe<Noted>(_ => seenApplied.Add(applied));
        using var apply = feed.Apply<Noted>(_ => applied++);
        using var applyOther = feed.Apply<Other>(_ => otherApplied++);
        using var other = feed.Subscribe<Other>(_ => others++);

        feed.Publish(new Noted(1));
        feed.Publish(new Noted(2));

        Assert.Equal([1, 2], seenApplied);
        Assert.Equal(0, others);
        Assert.Equal(0, otherApplied);
    }

    [Fact]
    public void A_change_from_another_instance_is_heard_by_everyone_but_those_that_want_this_instance_s_own()
    {
        var relay = new RecordingRelay();
        var feed = new ChangeFeed([new ChangeKind("noted", typeof(Noted))], TimeProvider.System, NullLogger<ChangeFeed>.Instance, relay);
        var everywhere = new List<int>();
        var here = new List<int>();
        using var a = feed.Subscribe<Noted>(n => everywhere.Add(n.N));
        using var b = feed.Subscribe<Noted>(n => here.Add(n.N), ChangeOrigin.ThisInstance);

        feed.Publish(new Noted(1));
        Assert.True(feed.Receive("noted", """{"n":2}"""));
        Assert.False(feed.Receive("a-newer-builds-kind", "{}"));
        Assert.False(feed.Receive("noted", "not json"));
        // An unregistered type stays in this process.
        feed.Publish(new Other("local"));

        Assert.Equal([1, 2], everywhere);
        Assert.Equal([1], here);
        Assert.Equal([(feed.Origin, "noted", """{"n":1}""")], relay.Sent);
    }

    [Fact]
    public void An_unsubscribed_handler_hears_nothing_more_and_one_that_throws_does_not_stop_the_others()
    {
        var feed = ChangeFeed.InProcess();
        var heard = new List<int>();
        using var throwing = feed.Subscribe<Noted>(_ => throw new InvalidOperationException("subscriber bug"));
        var subscription = feed.Subscribe<Noted>(n => heard.Add(n.N));

        feed.Publish(new Noted(1));
        subscription.Dispose();
        feed.Publish(new Noted(2));

        Assert.Equal([1], heard);
    }

    private static SemaphoreSlim Signal() => new(0);

    private sealed class RecordingRelay : IChangeRelay
    {
        public List<(string Origin, string Kind, string Body)> Sent { get; } = [];

        public void Send(string origin, string kind, string body) => Sent.Add((origin, kind, body));
    }
}
