using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// The messages that come with time rather than with a change: "still open" every <c>StillOpenEvery</c> of an
/// incident the channel was told of (not while a maintenance window covers all of the channel's probes in it, nor while
/// someone has acknowledged it: the store holds that, so an acknowledgement on any instance counts), and
/// "degraded" once a probe the channel takes has been Degraded for <c>DegradedAfter</c> without a break (a Pass, a
/// failure or planned work ends the streak; runs in a maintenance window do not count). Each is queued once (its
/// key), at the moment it falls due on the dashboard's clock.
/// </summary>
public sealed class NotificationReminders(
    NotificationChannels channels,
    NotificationRules rules,
    ProbeHealthTracker health,
    ProbeStatusFeed feed,
    ProbeCatalog catalog,
    MaintenanceWindows windows,
    INotificationOutbox outbox,
    IIncidentStore incidents,
    NotificationMessages messages,
    NotificationSignals signals,
    TimeProvider time,
    ILogger<NotificationReminders> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DegradedStreak> _streaks = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly WakeSignal _wake = new();

    /// <summary>Probes Degraded now without a break, and since when.</summary>
    public IReadOnlyDictionary<string, DegradedStreak> Streaks
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, DegradedStreak>(_streaks, StringComparer.OrdinalIgnoreCase);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!channels.All.Any(c => c.Wants(NotificationEvent.StillOpen) || c.Wants(NotificationEvent.Degraded)))
        {
            return;
        }

        using var runs = feed.Subscribe(OnFeed);
        health.Changed += OnIncident;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                DateTimeOffset? next;
                try
                {
                    next = await QueueDueAsync(time.GetUtcNow(), stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogError(exception, "Reminders could not be queued; trying again in a minute");
                    next = time.GetUtcNow().AddMinutes(1);
                }

                await _wake.WaitAsync(next, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            health.Changed -= OnIncident;
        }
    }

    /// <summary>Queues what is due at <paramref name="now"/>.</summary>
    /// <returns>When the next one falls due (null: nothing to wait for).</returns>
    public async Task<DateTimeOffset?> QueueDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var writes = new List<OutboxWrite>();
        var dueReminders = new List<(NotificationChannel Channel, Incident Incident, string Key)>();
        DateTimeOffset? next = null;
        var open = health.OpenIncidents;
        foreach (var channel in channels.All)
        {
            if (channel.Wants(NotificationEvent.StillOpen) && channel.Options.StillOpenEvery is { } every)
            {
                foreach (var incident in open)
                {
                    var periods = (long)Math.Floor((now - incident.StartedAt) / every);
                    next = Earlier(next, incident.StartedAt + every * (periods + 1));
                    if (periods < 1 || !rules.Concerns(channel, incident, now))
                    {
                        continue;
                    }

                    var key = NotificationMessages.KeyOf($"{incident.Id}:{periods}", NotificationEvent.StillOpen, channel.Name);
                    if (!IsQueued(key))
                    {
                        dueReminders.Add((channel, incident, key));
                    }
                }
            }

            if (channel.Wants(NotificationEvent.Degraded) && channel.Options.DegradedAfter is { } after)
            {
                foreach (var (probe, streak) in Streaks)
                {
                    if (!channel.Filter.Selects(probe, catalog))
                    {
                        continue;
                    }

                    var due = streak.Since + after;
                    if (due > now)
                    {
                        next = Earlier(next, due);
                        continue;
                    }

                    var payload = messages.ForDegraded(probe, streak, channel.Name, now, after);
                    if (windows.ActiveFor(probe, now) is null && Claim(payload.Key))
                    {
                        writes.Add(new OutboxWrite(OutboxWriteKind.Queue, payload.Key, channel.Name, NotificationEvent.Degraded, null, probe, now, null, payload.ToJson()));
                    }
                }
            }
        }

        if (dueReminders.Count > 0)
        {
            // Read only when a reminder falls due (not on every run): an acknowledged incident's is not queued, so
            // un-acknowledging it sends the one it is due, and the next ones at their times.
            var acknowledged = (await incidents.ListAsync(null, openOnly: true, open.Count + 100, cancellationToken))
                .Where(i => i.Acknowledged is not null).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var (channel, incident, key) in dueReminders)
            {
                if (!acknowledged.Contains(incident.Id) && Claim(key))
                {
                    writes.Add(new OutboxWrite(OutboxWriteKind.QueueIfAnnounced, key, channel.Name, NotificationEvent.StillOpen, incident.Id, incident.RootCause, now, null,
                        messages.ForIncident(NotificationEvent.StillOpen, incident, channel.Name, now, key).ToJson()));
                }
            }
        }

        ForgetClosed(open);
        if (writes.Count > 0)
        {
            await outbox.WriteAsync(writes, cancellationToken);
            signals.Notify();
        }

        return next;
    }

    private void OnFeed(ProbeFeedEvent feedEvent)
    {
        if (feedEvent is not RunCompletedEvent { Run: var run })
        {
            return;
        }

        lock (_gate)
        {
            if (run.Outcome == ProbeOutcome.Degraded && run.MaintenanceWindow is null)
            {
                _streaks[run.ProbeId] = _streaks.TryGetValue(run.ProbeId, out var streak)
                    ? streak with { LastRunId = run.Id, Message = run.Message }
                    : new DegradedStreak(run.StartedAt, run.Id, run.Id, run.Message);
            }
            else if (run.Outcome != ProbeOutcome.Interrupted)
            {
                _streaks.Remove(run.ProbeId);
            }
        }

        _wake.Set();
    }

    private void OnIncident(IncidentChange change) => _wake.Set();

    private bool IsQueued(string key)
    {
        lock (_gate)
        {
            return _queued.Contains(key);
        }
    }

    private bool Claim(string key)
    {
        lock (_gate)
        {
            return _queued.Add(key);
        }
    }

    /// <summary>Keeps the memory of queued reminders to open incidents and current streaks (the outbox's keys stop repeats anyway).</summary>
    private void ForgetClosed(IReadOnlyList<Incident> open)
    {
        lock (_gate)
        {
            var ids = open.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            var streaks = _streaks.Select(s => $"{s.Key}:{s.Value.FirstRunId}").ToHashSet(StringComparer.Ordinal);
            _queued.RemoveWhere(key => !ids.Any(id => key.StartsWith(id + ":", StringComparison.Ordinal)) && !streaks.Any(s => key.StartsWith(s + ":", StringComparison.Ordinal)));
        }
    }

    private static DateTimeOffset Earlier(DateTimeOffset? a, DateTimeOffset b) => a is { } first && first < b ? first : b;
}
