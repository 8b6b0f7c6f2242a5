using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Probes.Feed;

/// <summary>
/// Each probe's current state (its last completed run, the run in progress with its steps so far, its trend), kept
/// current by the <see cref="ChangeFeed"/>'s run changes — this instance's and, through the store, every other
/// instance's — and the runs' announcements: run started / step completed / run completed, published here (after the
/// run is stored) and heard by every subscriber of every instance. Handlers subscribed here run on the publishing (or
/// receiving) thread and must not block: components call <c>InvokeAsync(StateHasChanged)</c>, the hub bridge queues.
/// </summary>
public sealed class ProbeStatusFeed
{
    /// <summary>How many recent runs the trend keeps per probe.</summary>
    public const int TrendLength = 30;

    private readonly ChangeFeed _changes;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ProbeState> _states = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _order = [];

    public ProbeStatusFeed(ChangeFeed changes)
    {
        _changes = changes;
        // Lives as long as the feed (both are the process's singletons).
        changes.Apply<ProbeFeedEvent>(Apply);
    }

    /// <summary>The change feed the runs travel on (for a subscriber that wants them throttled, or other changes with them).</summary>
    public ChangeFeed Changes => _changes;

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

    /// <param name="from"><see cref="ChangeOrigin.ThisInstance"/> for what must happen once in the cluster (metrics sent out).</param>
    public IDisposable Subscribe(Action<ProbeFeedEvent> handler, ChangeOrigin from = ChangeOrigin.Anywhere) => _changes.Subscribe(handler, from);

    /// <summary>Announces a run's progress made here (a completed run after it is stored).</summary>
    public void Publish(ProbeFeedEvent feedEvent) => _changes.Publish(feedEvent);

    private void Apply(ProbeFeedEvent feedEvent)
    {
        var run = feedEvent.Run;
        lock (_gate)
        {
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
    }

    private static RunPoint ToPoint(ProbeRun run) => new(run.StartedAt, run.DurationMs ?? 0, run.Outcome);
}
