using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Tests.Scaling;

/// <summary>The monitor's wait for its next read: it ends when the read is due, on any clock, or when a refresh is asked for.</summary>
public sealed class ServiceStatusFeedTests
{
    [Fact]
    public async Task A_clock_that_reaches_the_due_time_while_the_wait_is_being_armed_still_ends_the_wait()
    {
        var time = new JumpWhenArmed(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var due = time.GetUtcNow() + TimeSpan.FromSeconds(30);
        time.JumpTo = due;
        var feed = new ServiceStatusFeed(ChangeFeed.InProcess());

        var refreshed = await feed.WaitForRefreshAsync(due, time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(refreshed);
    }

    [Fact]
    public async Task A_refresh_asked_for_ends_the_wait_before_its_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var feed = new ServiceStatusFeed(ChangeFeed.InProcess());
        var wait = feed.WaitForRefreshAsync(time.GetUtcNow() + TimeSpan.FromSeconds(30), time, CancellationToken.None);

        feed.RequestRefresh();

        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A test's clock that jumps ahead between being read and a timer being armed, as a test advancing it from another thread can.</summary>
    private sealed class JumpWhenArmed(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public DateTimeOffset? JumpTo { get; set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (JumpTo is { } to && to > GetUtcNow())
            {
                SetUtcNow(to);
            }

            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
