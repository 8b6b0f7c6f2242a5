using Webordinary.Dashboard.Probes.Scaling;

namespace Webordinary.Dashboard.Testing;

public static class ServiceFeedExtensions
{
    /// <summary>The first snapshot (the current one or one still to come) that matches: a signal, not a sleep.</summary>
    public static async Task<ServicesSnapshot> WaitForAsync(this ServiceStatusFeed feed, Func<ServicesSnapshot, bool> match, TimeSpan? timeout = null)
    {
        var done = new TaskCompletionSource<ServicesSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = feed.Subscribe(snapshot =>
        {
            if (match(snapshot))
            {
                done.TrySetResult(snapshot);
            }
        });
        if (match(feed.Current))
        {
            return feed.Current;
        }

        feed.RequestRefresh();
        return await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
    }

    public static ServiceState? Hermes(this ServicesSnapshot snapshot) => snapshot.Find("webordinary-hermes-service");
}
