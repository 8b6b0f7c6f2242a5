using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Feed;

/// <summary>
/// The singleton live feed: keeps each probe's current state and announces run started / step completed /
/// run completed to subscribers (Blazor components, the SignalR hub bridge). Handlers run on the publishing
/// thread and must not block: components call <c>InvokeAsync(StateHasChanged)</c>, the hub bridge queues.
/// </summary>
public sealed class ProbeStatusFeed(ILogger<ProbeStatusFeed> logger)
{
    /// <summary>How many recent runs the trend keeps per probe.</summary>
    public const int TrendLength = 30;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ProbeState> _states = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _order = [];
    private ImmutableHandlers _handlers = ImmutableHandlers.Empty;

    /// <summary>Probes in configuration order.</summary>
    public IReadOnlyList<ProbeState> GetSnapshot()
    {
        lock (_gate)
        {
            return [.. _order.Select(id => _states[id])];
        }
    }

    public ProbeState? Get(string probeId)
    {
        lock (_gate)
        {
            return _states.GetValueOrDefault(probeId);
        }
    }

    /// <summary>
    /// The run with this id if it is running now, with its steps so far. A short run is stored only when it ends: ask
    /// here first, then the store (a run leaves here only after it is stored).
    /// </summary>
    public ProbeRun? FindRunning(string runId)
    {
        lock (_gate)
        {
            return _states.Values.Select(state => state.CurrentRun).FirstOrDefault(run => run?.Id == runId);
        }
    }

    /// <summary>Registers a probe with its recent history (newest first), as loaded from the store at start.</summary>
    public void Register(string probeId, string kind, string schedule, bool enabled, IReadOnlyList<ProbeRun> recentRuns,
        Health.ProbeHealth health = Health.ProbeHealth.Unknown)
    {
        var completed = recentRuns.Where(r => !r.IsRunning).ToList();
        var trend = completed.Take(TrendLength).Reverse().Select(ToPoint).ToList();
        lock (_gate)
        {
            if (!_states.ContainsKey(probeId))
            {
                _order.Add(probeId);
            }

            _states[probeId] = new ProbeState(probeId, kind, schedule, enabled, completed.FirstOrDefault(), null, trend, health);
        }
    }

    public IDisposable Subscribe(Action<ProbeFeedEvent> handler)
    {
        lock (_gate)
        {
            _handlers = _handlers.Add(handler);
        }

        return new Subscription(this, handler);
    }

    public void Publish(ProbeFeedEvent feedEvent)
    {
        ImmutableHandlers handlers;
        lock (_gate)
        {
            Apply(feedEvent);
            handlers = _handlers;
        }

        foreach (var handler in handlers.Items)
        {
            try
            {
                handler(feedEvent);
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "A live feed subscriber failed on {Event}", feedEvent.GetType().Name);
            }
        }
    }

    private void Apply(ProbeFeedEvent feedEvent)
    {
        var run = feedEvent.Run;
        if (!_states.TryGetValue(run.ProbeId, out var state))
        {
            return;
        }

        _states[run.ProbeId] = feedEvent switch
        {
            RunStartedEvent => state with { CurrentRun = run },
            StepCompletedEvent step when state.CurrentRun?.Id == run.Id =>
                state with { CurrentRun = state.CurrentRun with { Steps = [.. state.CurrentRun.Steps, step.Step] } },
            RunCompletedEvent completed => state with
            {
                Health = completed.Health,
                LastRun = run,
                CurrentRun = state.CurrentRun?.Id == run.Id ? null : state.CurrentRun,
                Trend = [.. state.Trend.Skip(Math.Max(0, state.Trend.Count - TrendLength + 1)), ToPoint(run)],
            },
            _ => state,
        };
    }

    private static RunPoint ToPoint(ProbeRun run) => new(run.StartedAt, run.DurationMs ?? 0, run.Outcome);

    private void Unsubscribe(Action<ProbeFeedEvent> handler)
    {
        lock (_gate)
        {
            _handlers = _handlers.Remove(handler);
        }
    }

    private sealed class Subscription(ProbeStatusFeed feed, Action<ProbeFeedEvent> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Unsubscribe(handler);
            }
        }
    }

    /// <summary>Copy-on-write list so publishing never holds the lock while calling out.</summary>
    private sealed record ImmutableHandlers(Action<ProbeFeedEvent>[] Items)
    {
        public static readonly ImmutableHandlers Empty = new([]);

        public ImmutableHandlers Add(Action<ProbeFeedEvent> handler) => new([.. Items, handler]);

        public ImmutableHandlers Remove(Action<ProbeFeedEvent> handler)
        {
            var index = Array.IndexOf(Items, handler);
            return index < 0 ? this : new ImmutableHandlers([.. Items[..index], .. Items[(index + 1)..]]);
        }
    }
}
