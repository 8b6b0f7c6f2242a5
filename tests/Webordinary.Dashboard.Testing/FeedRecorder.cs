using System.Collections.Concurrent;
using Webordinary.Dashboard.Probes.Feed;

namespace Webordinary.Dashboard.Testing;

/// <summary>Records the live feed and lets a test wait for an event: the signal, instead of a sleep.</summary>
public sealed class FeedRecorder : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<ProbeFeedEvent> _events = [];
    private readonly List<(Func<ProbeFeedEvent, bool> Match, TaskCompletionSource<ProbeFeedEvent> Done)> _waiters = [];
    private readonly IDisposable _subscription;

    public FeedRecorder(ProbeStatusFeed feed) => _subscription = feed.Subscribe(Record);

    public IReadOnlyList<ProbeFeedEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The first event (already recorded or still to come) that matches.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool> match, TimeSpan? timeout = null) where T : ProbeFeedEvent
    {
        TaskCompletionSource<ProbeFeedEvent> done;
        lock (_gate)
        {
            if (_events.OfType<T>().FirstOrDefault(match) is { } already)
            {
                return already;
            }

            done = new TaskCompletionSource<ProbeFeedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((e => e is T typed && match(typed), done));
        }

        return (T)await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
    }

    public Task<RunCompletedEvent> WaitForCompletionAsync(string probeId, TimeSpan? timeout = null, Func<RunCompletedEvent, bool>? match = null) =>
        WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == probeId && (match?.Invoke(e) ?? true), timeout);

    private void Record(ProbeFeedEvent feedEvent)
    {
        List<TaskCompletionSource<ProbeFeedEvent>> release = [];
        lock (_gate)
        {
            _events.Add(feedEvent);
            foreach (var waiter in _waiters.Where(w => w.Match(feedEvent)).ToList())
            {
                _waiters.Remove(waiter);
                release.Add(waiter.Done);
            }
        }

        foreach (var done in release)
        {
            done.TrySetResult(feedEvent);
        }
    }

    public void Dispose() => _subscription.Dispose();
}
