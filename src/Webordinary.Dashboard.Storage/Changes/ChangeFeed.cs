using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage.Changes;

/// <summary>
/// Something that changed in the dashboard (a run, a step, an audit entry, a maintenance window, an API key, a pause, the
/// services): what <see cref="ChangeFeed"/> carries to every subscriber of every instance. A change other instances hear
/// of is registered with a <see cref="ChangeKind"/> and travels as JSON, so it holds what a receiver needs to apply it.
/// </summary>
public abstract record DashboardChange;

/// <summary>A change type other instances hear of, under the name its rows carry (stable across builds: a rolling deploy runs two).</summary>
public sealed record ChangeKind(string Name, Type Type);

/// <summary>Which changes a subscriber hears.</summary>
public enum ChangeOrigin
{
    /// <summary>Every change, made here or on another instance (pages, hub clients, caches).</summary>
    Anywhere,

    /// <summary>Only the changes this instance made: what must happen once in the cluster, done by the instance that made the change.</summary>
    ThisInstance,

    /// <summary>Only the changes other instances made: what this instance did itself already (its own scheduler, say).</summary>
    OtherInstances,
}

/// <summary>
/// Hands the changes made here to the other instances (the PostgreSQL provider: a row each, and a NOTIFY). Called on the
/// publishing thread, in publishing order; it must keep that order and must not block.
/// </summary>
public interface IChangeRelay
{
    void Send(string origin, string kind, string body);
}

/// <summary>
/// The one way the dashboard hears of changes, in the spirit of the Aspire dashboard's <c>Subscription</c>: a holder of
/// state registers an <see cref="Apply{T}"/> (its snapshot is then current before anyone hears of the change), and a
/// subscriber gets every change in order, either as it is published (<see cref="Subscribe{T}(Action{T}, ChangeOrigin)"/>,
/// for handlers that only queue) or in batches at most once per throttle interval on a pump of its own
/// (<see cref="Subscribe{T}(Func{IReadOnlyList{T}, Task}, TimeSpan)"/>: a page re-renders at most every N ms however many
/// runs end meanwhile). A change made here reaches this instance's subscribers at once and, through the relay (when
/// there is one: the PostgreSQL provider), every other instance's; <see cref="Receive"/> takes theirs.
/// </summary>
public sealed class ChangeFeed
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly Dictionary<Type, string> _kindByType = [];
    private readonly Dictionary<string, Type> _typeByKind = new(StringComparer.Ordinal);
    private readonly IChangeRelay? _relay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    /// <summary>Copy-on-write, so publishing never holds the lock while calling out.</summary>
    private Listener[] _appliers = [];

    private Listener[] _listeners = [];

    public ChangeFeed(IEnumerable<ChangeKind> kinds, TimeProvider time, ILogger<ChangeFeed> logger, IChangeRelay? relay = null)
    {
        foreach (var kind in kinds)
        {
            if (!typeof(DashboardChange).IsAssignableFrom(kind.Type) || !_typeByKind.TryAdd(kind.Name, kind.Type))
            {
                throw new ArgumentException($"Change kind '{kind.Name}' ({kind.Type.Name}) is registered twice or is not a {nameof(DashboardChange)}.", nameof(kinds));
            }

            _kindByType[kind.Type] = kind.Name;
        }

        _relay = relay;
        _time = time;
        _logger = logger;
    }

    /// <summary>A feed of this process alone (tests, single-instance tools): nothing relayed.</summary>
    public static ChangeFeed InProcess(TimeProvider? time = null, ILogger<ChangeFeed>? logger = null) =>
        new([], time ?? TimeProvider.System, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<ChangeFeed>.Instance);

    /// <summary>This process among the instances: its changes' rows carry it, so it does not hear them twice. Per process by nature.</summary>
    public string Origin { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Whether the changes made here reach other instances.</summary>
    public bool IsRelayed => _relay is not null;

    /// <summary>Announces a change made here: applied, heard here at once, and relayed to the other instances (registered kinds).</summary>
    public void Publish(DashboardChange change)
    {
        Dispatch(change, local: true);
        if (_relay is not null && _kindByType.TryGetValue(change.GetType(), out var kind))
        {
            _relay.Send(Origin, kind, JsonSerializer.Serialize(change, change.GetType(), Json));
        }
    }

    /// <summary>A change another instance made, as its row says: applied and heard here, not relayed again.</summary>
    /// <returns>False when the kind is not one this build knows (a newer build's) or the body does not read.</returns>
    public bool Receive(string kind, string body)
    {
        if (!_typeByKind.TryGetValue(kind, out var type))
        {
            _logger.LogDebug("A change of kind {Kind} is not one this build knows; skipped", kind);
            return false;
        }

        DashboardChange? change;
        try
        {
            change = (DashboardChange?)JsonSerializer.Deserialize(body, type, Json);
        }
        catch (JsonException exception)
        {
            _logger.LogWarning(exception, "A change of kind {Kind} could not be read; skipped", kind);
            return false;
        }

        if (change is null)
        {
            return false;
        }

        Dispatch(change, local: false);
        return true;
    }

    /// <summary>
    /// Keeps a snapshot current: <paramref name="apply"/> runs for every change of <typeparamref name="T"/>, before any
    /// subscriber hears of it, on the publishing (or receiving) thread. It must be quick and must not throw.
    /// </summary>
    public IDisposable Apply<T>(Action<T> apply) where T : DashboardChange =>
        Add(applier: true, new Listener(c => c is T, c => apply((T)c), ChangeOrigin.Anywhere, null));

    /// <summary>
    /// Hears each change of <typeparamref name="T"/> as it is published, on the publishing thread, in order: the handler
    /// must not block (queue, or <c>InvokeAsync</c>). A handler that throws is logged and the others still hear.
    /// </summary>
    public IDisposable Subscribe<T>(Action<T> handler, ChangeOrigin from = ChangeOrigin.Anywhere) where T : DashboardChange =>
        Add(applier: false, new Listener(c => c is T, c => handler((T)c), from, null));

    /// <summary>
    /// Hears the changes of <typeparamref name="T"/> in batches, in order, on a pump of its own: the first change at once,
    /// then at most one call per <paramref name="throttle"/> with everything that came meanwhile (zero: every batch at
    /// once). A slow handler holds back only its own subscription.
    /// </summary>
    public IDisposable Subscribe<T>(Func<IReadOnlyList<T>, Task> onChanges, TimeSpan throttle, ChangeOrigin from = ChangeOrigin.Anywhere) where T : DashboardChange
    {
        var pump = new ThrottledPump<T>(onChanges, throttle, _time, _logger);
        return Add(applier: false, new Listener(c => c is T, c => pump.Offer((T)c), from, pump));
    }

    private void Dispatch(DashboardChange change, bool local)
    {
        foreach (var applier in Volatile.Read(ref _appliers))
        {
            if (applier.Wants(change))
            {
                Call(applier, change);
            }
        }

        foreach (var listener in Volatile.Read(ref _listeners))
        {
            var heard = listener.From switch
            {
                ChangeOrigin.ThisInstance => local,
                ChangeOrigin.OtherInstances => !local,
                _ => true,
            };
            if (heard && listener.Wants(change))
            {
                Call(listener, change);
            }
        }
    }

    private void Call(Listener listener, DashboardChange change)
    {
        try
        {
            listener.Handle(change);
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "A change feed subscriber failed on {Change}", change.GetType().Name);
        }
    }

    private Removal Add(bool applier, Listener listener)
    {
        lock (_gate)
        {
            if (applier)
            {
                _appliers = [.. _appliers, listener];
            }
            else
            {
                _listeners = [.. _listeners, listener];
            }
        }

        return new Removal(() =>
        {
            lock (_gate)
            {
                if (applier)
                {
                    _appliers = [.. _appliers.Where(l => l != listener)];
                }
                else
                {
                    _listeners = [.. _listeners.Where(l => l != listener)];
                }
            }

            listener.Pump?.Dispose();
        });
    }

    /// <summary>A class, not a record: two subscriptions with equal handlers are still two.</summary>
    private sealed class Listener(Func<DashboardChange, bool> wants, Action<DashboardChange> handle, ChangeOrigin from, IDisposable? pump)
    {
        public Func<DashboardChange, bool> Wants => wants;

        public Action<DashboardChange> Handle => handle;

        public ChangeOrigin From => from;

        public IDisposable? Pump => pump;
    }

    private sealed class Removal(Action remove) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                remove();
            }
        }
    }

    /// <summary>One throttled subscriber's queue and the loop that hands it its batches.</summary>
    private sealed class ThrottledPump<T> : IDisposable
    {
        private readonly Channel<T> _queue = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _stop = new();
        private readonly Func<IReadOnlyList<T>, Task> _onChanges;
        private readonly TimeSpan _throttle;
        private readonly TimeProvider _time;
        private readonly ILogger _logger;

        public ThrottledPump(Func<IReadOnlyList<T>, Task> onChanges, TimeSpan throttle, TimeProvider time, ILogger logger)
        {
            (_onChanges, _throttle, _time, _logger) = (onChanges, throttle, time, logger);
            _ = Task.Run(RunAsync);
        }

        public void Offer(T change) => _queue.Writer.TryWrite(change);

        public void Dispose()
        {
            _queue.Writer.TryComplete();
            _stop.Cancel();
        }

        private async Task RunAsync()
        {
            DateTimeOffset? last = null;
            try
            {
                while (await _queue.Reader.WaitToReadAsync(_stop.Token))
                {
                    if (last is { } previous && _throttle > TimeSpan.Zero)
                    {
                        await WaitUntilAsync(previous + _throttle);
                    }

                    var batch = new List<T>();
                    while (_queue.Reader.TryRead(out var change))
                    {
                        batch.Add(change);
                    }

                    last = _time.GetUtcNow();
                    try
                    {
                        await _onChanges(batch);
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException || !_stop.IsCancellationRequested)
                    {
                        _logger.LogWarning(exception, "A change feed subscriber failed on a batch of {Count}", batch.Count);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Unsubscribed.
            }
        }

        private async Task WaitUntilAsync(DateTimeOffset due)
        {
            var remaining = due - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var delay = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var waited = Task.Delay(remaining, _time, delay.Token);
            // The clock can move between reading it and arming the timer (a test's clock jumps past the due time): the
            // timer would then come late by that much, so look once more now that it is armed.
            if (_time.GetUtcNow() >= due)
            {
                delay.Cancel();
                _stop.Token.ThrowIfCancellationRequested();
                return;
            }

            try
            {
                await waited;
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
            }
        }
    }
}

/// <summary>
/// Changes other instances made that this one never heard (pruned before it read them: it was cut off that long).
/// Whoever keeps a copy of the store's state reloads it. Heard on this instance only.
/// </summary>
public sealed record ChangesMissed(long FromPosition, long ToPosition) : DashboardChange;
