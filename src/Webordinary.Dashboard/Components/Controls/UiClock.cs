namespace Webordinary.Dashboard.Components.Controls;

/// <summary>
/// One once-a-second tick per circuit for the texts that age ("12 s ago"): each subscriber re-renders only itself,
/// so a page with a hundred rows does not re-render a hundred rows every second.
/// </summary>
public sealed class UiClock(TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private Action[] _subscribers = [];

    public DateTimeOffset Now => time.GetUtcNow();

    public IDisposable Subscribe(Action onTick)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, onTick];
            _timer ??= time.CreateTimer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }

        return new Subscription(this, onTick);
    }

    private void Tick()
    {
        Action[] subscribers;
        lock (_gate)
        {
            subscribers = _subscribers;
        }

        foreach (var subscriber in subscribers)
        {
            subscriber();
        }
    }

    private void Unsubscribe(Action onTick)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(s => s != onTick)];
        }
    }

    public void Dispose() => _timer?.Dispose();

    private sealed class Subscription(UiClock clock, Action onTick) : IDisposable
    {
        public void Dispose() => clock.Unsubscribe(onTick);
    }
}
