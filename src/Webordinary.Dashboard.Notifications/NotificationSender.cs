using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Probes.Telemetry;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// Delivers the outbox: one loop per channel, so a channel that is down or slow holds up only itself — never the
/// probes (they only write outbox rows) nor another channel. A channel's messages go in the order they were made.
/// A failed attempt is tried again after 1 s, 2 s, 4 s … (at most <see cref="NotificationOptions.MaxRetryDelay"/>),
/// or when the receiver's <c>Retry-After</c> says (Slack's 429 included); after
/// <see cref="NotificationOptions.MaxAttempts"/>, or at once when the receiver refuses it for good, the message is a
/// dead letter. Each channel keeps its rate limit. A message's state is written after each attempt, so a restart
/// picks up what was pending and sends nothing twice that was acknowledged.
/// </summary>
public sealed class NotificationSender(
    NotificationChannels channels,
    INotificationOutbox outbox,
    NotificationCenter center,
    NotificationSignals signals,
    IncidentSettling settling,
    IEnumerable<IChannelDelivery> deliveries,
    ProbeStatusFeed feed,
    IStore store,
    ProbeMetrics metrics,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<NotificationSender> logger) : BackgroundService
{
    /// <summary>After a failure to read the outbox, the next look.</summary>
    private static readonly TimeSpan ReadRetry = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    /// <summary>How often the sender asks again for a store it could not reach at start (the flusher's cadence).</summary>
    private static readonly TimeSpan StoreRetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Before the first delivery: a previous process's claims released and the outbox read. A store that cannot be
        // reached yet (its server down at start) is waited for here; a throw would stop the whole dashboard.
        while (true)
        {
            try
            {
                await store.MigrateAsync(stoppingToken);
                await outbox.ReleaseClaimsAsync(stoppingToken);
                var forgotten = await outbox.ForgetChannelsAsync([.. channels.All.Select(c => c.Name)], time.GetUtcNow(), stoppingToken);
                if (forgotten > 0)
                {
                    logger.LogWarning("{Count} notification(s) to channels no longer configured are dead letters now", forgotten);
                }

                await center.RefreshAsync(stoppingToken);
                break;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (store.IsUnavailable(exception))
            {
                logger.LogWarning("Notifications wait for the store {Location}: {Error}", store.Location, exception.Message);
                try
                {
                    await Task.Delay(StoreRetryDelay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        // A run that ended may have settled an incident whose opened message waits; a store that works again has written
        // what it kept in memory (outbox rows among it).
        using var runs = feed.Subscribe(e =>
        {
            if (e is RunCompletedEvent)
            {
                signals.Notify();
            }
        });
        store.HealthChanged += OnStoreHealth;
        try
        {
            var byKind = deliveries.ToDictionary(d => d.Kind);
            var loops = channels.All.Select(c => RunChannelAsync(c, byKind[c.Kind], signals.Subscribe(), stoppingToken)).Append(PruneAsync(stoppingToken));
            await Task.WhenAll(loops);
        }
        finally
        {
            store.HealthChanged -= OnStoreHealth;
            await ReleaseOwnClaimsAsync();
        }
    }

    /// <summary>On the way out (SIGTERM): a row claimed for an attempt cut short goes back to pending at once, for another instance or the next start.</summary>
    private async Task ReleaseOwnClaimsAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await outbox.ReleaseClaimsAsync(bound.Token);
        }
        catch (Exception exception)
        {
            logger.LogWarning("Notification claims could not be released on stopping ({Error}); they are released when their lease runs out", exception.Message);
        }
    }

    private void OnStoreHealth(StoreHealth health)
    {
        if (health.Healthy)
        {
            signals.Notify();
        }
    }

    private async Task RunChannelAsync(NotificationChannel channel, IChannelDelivery delivery, WakeSignal signal, CancellationToken stopping)
    {
        var limit = new RateLimit(channel.Options.RateLimit, time);
        // Attempts recorded here whose write may still wait in memory (the store failing): what the file says is older.
        var recorded = new Dictionary<long, OutboxEntry>();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                var (next, wakeAt) = await PickAsync(await outbox.PendingAsync(channel.Name, 500, stopping), recorded, now);
                if (next is null)
                {
                    await signal.WaitAsync(wakeAt, time, stopping);
                    continue;
                }

                if (!limit.TryTake(out var wait))
                {
                    center.Update(channel.Name, s => s with { NextAttemptAt = now + wait });
                    await signal.WaitAsync(now + wait, time, stopping);
                    continue;
                }

                if (!await outbox.ClaimAsync(next.Id, stopping))
                {
                    // Cancelled meanwhile (its incident became part of another): nothing to send.
                    continue;
                }

                if (await AttemptAsync(channel, delivery, next, stopping) is { } after)
                {
                    recorded[after.Id] = after;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "Notification channel {Channel}: the outbox could not be read; looking again in {Seconds} s", channel.Name, ReadRetry.TotalSeconds);
                try
                {
                    await signal.WaitAsync(time.GetUtcNow() + ReadRetry, time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The next message to try now, or when to look again: the first pending one that is not an "opened" still
    /// waiting for its incident to settle (nor behind one of its incident); if it is not due yet (a retry), the
    /// channel waits for it — its order is kept.
    /// </summary>
    private async Task<(OutboxEntry? Next, DateTimeOffset? WakeAt)> PickAsync(IReadOnlyList<OutboxEntry> pending, Dictionary<long, OutboxEntry> recorded, DateTimeOffset now)
    {
        DateTimeOffset? wakeAt = null;
        var waiting = new HashSet<string>(StringComparer.Ordinal);
        if (pending.Count < 500)
        {
            // Not pending in the file any more: settled there too.
            foreach (var id in recorded.Keys.Where(id => pending.All(p => p.Id != id)).ToList())
            {
                recorded.Remove(id);
            }
        }

        foreach (var stored in pending)
        {
            var entry = stored;
            if (recorded.TryGetValue(stored.Id, out var known))
            {
                if (known.Attempts > stored.Attempts || known.State != stored.State)
                {
                    if (known.State != DeliveryState.Pending)
                    {
                        continue;
                    }

                    entry = known;
                }
                else
                {
                    recorded.Remove(stored.Id);
                }
            }

            if (entry.IncidentId is { } incident && waiting.Contains(incident))
            {
                continue;
            }

            if (entry.Event == NotificationEvent.Opened && entry.HoldUntil is { } hold && hold > now && entry.Attempts == 0
                && await settling.IsSettlingAsync(entry.IncidentId!, entry.ProbeId!, NotificationPayload.FromJson(entry.Payload).Incident?.AffectedProbes ?? []))
            {
                waiting.Add(entry.IncidentId!);
                wakeAt = Earlier(wakeAt, hold);
                continue;
            }

            if (entry.DueAt > now)
            {
                return (null, Earlier(wakeAt, entry.DueAt));
            }

            return (entry, null);
        }

        return (null, wakeAt);
    }

    /// <returns>The entry as recorded after the attempt; null when the dashboard stopped during it (not counted).</returns>
    private async Task<OutboxEntry?> AttemptAsync(NotificationChannel channel, IChannelDelivery delivery, OutboxEntry entry, CancellationToken stopping)
    {
        var settings = options.Value;
        var startedAt = time.GetUtcNow();
        center.Update(channel.Name, s => s with { Sending = true });
        DeliveryResult result;
        using (var attemptLimit = new CancellationTokenSource(settings.AttemptTimeout, time))
        using (var token = CancellationTokenSource.CreateLinkedTokenSource(stopping, attemptLimit.Token))
        {
            try
            {
                result = await delivery.SendAsync(channel, entry, token.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Not counted: pending again at the next start (the claim is released then).
                center.Update(channel.Name, s => s with { Sending = false });
                return null;
            }
            catch (OperationCanceledException)
            {
                result = DeliveryResult.Failed($"No answer within {settings.AttemptTimeout.TotalSeconds:0.#} s (Notifications:AttemptTimeout).");
            }
            catch (Exception exception)
            {
                result = DeliveryResult.Failed($"{exception.GetType().Name}: {HttpDelivery.OneLine(exception.Message)}");
            }
        }

        var attempts = entry.Attempts + 1;
        var attemptedAt = time.GetUtcNow();
        var (state, dueAt) = result.Delivered ? (DeliveryState.Delivered, attemptedAt)
            : result.Permanent || attempts >= settings.MaxAttempts ? (DeliveryState.Dead, attemptedAt)
            : (DeliveryState.Pending, attemptedAt + RetryDelay(attempts, result.RetryAfter));
        var error = result.Delivered ? null : result.Permanent || state == DeliveryState.Pending ? result.Error : $"{result.Error} (gave up after {attempts} attempts)";
        await outbox.RecordAttemptAsync(entry.Id, state, attempts, attemptedAt, dueAt, result.Status, error, CancellationToken.None);
        var recorded = entry with
        {
            State = state,
            Attempts = attempts,
            LastAttemptAt = attemptedAt,
            DueAt = dueAt,
            LastStatus = result.Status,
            LastError = error,
            DeliveredAt = result.Delivered ? attemptedAt : entry.DeliveredAt,
        };
        Log(channel, recorded, attemptedAt - startedAt);
        metrics.RecordNotification(channel.Name, channel.Kind.ToString(),
            state switch { DeliveryState.Delivered => "Delivered", DeliveryState.Dead => "DeadLetter", _ => "Failed" },
            state == DeliveryState.Delivered ? recorded.Latency : null);
        center.Attempted(channel.Name, recorded);
        await center.RefreshAsync(CancellationToken.None);
        return recorded;
    }

    /// <summary>The receiver's Retry-After when it gave one (up to <see cref="NotificationOptions.MaxRetryAfter"/>), else 1 s doubling up to the maximum.</summary>
    public TimeSpan RetryDelay(int attempts, TimeSpan? retryAfter)
    {
        var settings = options.Value;
        if (retryAfter is { } asked)
        {
            return asked < TimeSpan.Zero ? TimeSpan.Zero : asked > settings.MaxRetryAfter ? settings.MaxRetryAfter : asked;
        }

        var doubled = settings.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        return TimeSpan.FromMilliseconds(Math.Min(doubled, settings.MaxRetryDelay.TotalMilliseconds));
    }

    private void Log(NotificationChannel channel, OutboxEntry entry, TimeSpan took)
    {
        // The channel's name and its masked target only: URLs, headers and credentials are secrets.
        switch (entry.State)
        {
            case DeliveryState.Delivered:
                logger.LogInformation("Notification {Key} delivered to {Channel} ({Target}) at attempt {Attempt} in {Milliseconds:0} ms",
                    entry.Key, channel.Name, channel.Target, entry.Attempts, took.TotalMilliseconds);
                break;
            case DeliveryState.Dead:
                logger.LogError("Notification {Key} to {Channel} ({Target}) is a dead letter after {Attempts} attempt(s): {Error}",
                    entry.Key, channel.Name, channel.Target, entry.Attempts, entry.LastError);
                break;
            default:
                logger.LogWarning("Notification {Key} to {Channel} ({Target}) failed at attempt {Attempt}: {Error}; next attempt at {Due:O}",
                    entry.Key, channel.Name, channel.Target, entry.Attempts, entry.LastError, entry.DueAt);
                break;
        }
    }

    private async Task PruneAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var removed = await outbox.PruneAsync(time.GetUtcNow() - options.Value.LogRetention, stopping);
                if (removed > 0)
                {
                    logger.LogInformation("Removed {Count} settled notification(s) older than {Retention} from the delivery log", removed, options.Value.LogRetention);
                }

                await Task.Delay(PruneInterval, time, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "The delivery log could not be pruned");
                try
                {
                    await Task.Delay(PruneInterval, time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static DateTimeOffset Earlier(DateTimeOffset? a, DateTimeOffset b) => a is { } first && first < b ? first : b;

    /// <summary>A token bucket: up to <c>perMinute</c> at once, refilled at <c>perMinute</c> a minute.</summary>
    private sealed class RateLimit(int perMinute, TimeProvider time)
    {
        private double _tokens = perMinute;
        private DateTimeOffset _at = time.GetUtcNow();

        public bool TryTake(out TimeSpan wait)
        {
            var now = time.GetUtcNow();
            var perMs = perMinute / 60_000.0;
            _tokens = Math.Min(perMinute, _tokens + (now - _at).TotalMilliseconds * perMs);
            _at = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                wait = TimeSpan.Zero;
                return true;
            }

            wait = TimeSpan.FromMilliseconds(Math.Ceiling((1 - _tokens) / perMs));
            return false;
        }
    }
}

/// <summary>
/// Whether an incident may still change shape, so its "opened" message waits a moment (Alertmanager's group wait,
/// bounded by <see cref="NotificationOptions.GroupWait"/>): a probe that needs the root cause failed but is not Down
/// yet (it is about to join) or has not run since the root cause began failing, or something the root cause needs is
/// failing, running, or not checked since then (it may turn out to be the real root cause and take this incident over).
/// </summary>
public sealed class IncidentSettling(ProbeHealthTracker health, ProbeStatusFeed feed, ProbeCatalog catalog, IResultsStore runs, IIncidentStore incidents)
{
    /// <summary>When each incident's first failing run ended: what the root cause's needs must have been checked after.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _seenAt = new(StringComparer.Ordinal);

    /// <param name="inMessage">The affected probes the queued message lists.</param>
    public async Task<bool> IsSettlingAsync(string incidentId, string rootCause, IReadOnlyCollection<string> inMessage)
    {
        var incident = health.OpenIncidents.FirstOrDefault(i => i.Id == incidentId);
        if (incident is null)
        {
            // Closed in the incident book; the write saying how may still be on its way. Merged into another: that write
            // cancels the opened in its transaction. Resolved or ended: the opened goes now, before its "resolved" (to a
            // channel that takes resolutions; one that takes only openings is told of the outage all the same).
            var stored = await incidents.IsClosedAsync(incidentId, CancellationToken.None);
            if (stored)
            {
                _seenAt.TryRemove(incidentId, out _);
            }

            return !stored;
        }

        // The first failure was seen when its run ended; what it needs is checked at once after that (a run that
        // started before then says nothing about the moment of the failure).
        if (!_seenAt.TryGetValue(incidentId, out var seen))
        {
            seen = (await runs.GetRunAsync(incident.FirstRunId, CancellationToken.None))?.EndedAt ?? incident.StartedAt;
            _seenAt[incidentId] = seen;
        }

        // A probe joined and its message is being refreshed (the join's write is on its way).
        if (incident.Affected.Any(p => !inMessage.Contains(p, StringComparer.OrdinalIgnoreCase)))
        {
            return true;
        }

        var topology = catalog.Topology;
        var direct = topology.DependsOn(rootCause);
        foreach (var ancestor in topology.Ancestors(rootCause))
        {
            if (health.HealthOf(ancestor) == ProbeHealth.Down || feed.Get(ancestor) is not { Enabled: true } state)
            {
                continue;
            }

            if (state.CurrentRun is not null || state.LastRun?.Outcome == ProbeOutcome.Fail
                || (direct.Contains(ancestor, StringComparer.OrdinalIgnoreCase) && (state.LastRun is null || state.LastRun.StartedAt < seen)))
            {
                return true;
            }
        }

        foreach (var dependent in topology.Dependents(rootCause))
        {
            if (health.HealthOf(dependent) == ProbeHealth.Down || incident.Affected.Contains(dependent, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            // Failing but not Down yet (about to join), or not checked since the root cause began failing (the root
            // cause's opening runs its dependents at once: their answers are a moment away).
            if (feed.Get(dependent) is { Enabled: true } state
                && (state.LastRun is null || state.LastRun.Outcome == ProbeOutcome.Fail || state.LastRun.StartedAt < seen))
            {
                return true;
            }
        }

        // The health read above is newer than the incident read at the start: a probe seen Down there may have joined
        // since (its write, which refreshes the message, is on its way), or what the root cause needs may have taken the
        // incident over. Read the incident again.
        var now = health.OpenIncidents.FirstOrDefault(i => i.Id == incidentId);
        return now is null || now.Affected.Any(p => !inMessage.Contains(p, StringComparer.OrdinalIgnoreCase));
    }
}
