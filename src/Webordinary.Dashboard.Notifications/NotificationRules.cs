using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Notifications;

/// <summary>
/// What each incident change sends, per channel, written into the outbox in the change's own transaction:
/// <list type="bullet">
/// <item>Opened (and Joined): one "opened" per incident and channel, once the incident concerns a probe the channel
/// takes (root cause or affected) that no maintenance window covers now. Until it goes out, later joins refresh it,
/// so it lists every probe the incident took down.</item>
/// <item>Resolved (and Ended by parking): one "resolved" to each channel the incident was announced to — never
/// held back by a window, never sent where nothing was announced.</item>
/// <item>Merged: the merged incident's unsent "opened" is cancelled (the incident it joined announces everything);
/// one that went out (or is going out at that moment) gets its "resolved" saying where it went.</item>
/// <item>Acknowledged (by a person, <see cref="WritesForAcknowledgement"/>): one "acknowledged" to each channel the
/// incident was announced to, written with the acknowledgement.</item>
/// </list>
/// Probes are never notified one by one: only incidents, which are by root cause.
/// </summary>
public sealed class NotificationRules(
    NotificationChannels channels,
    ProbeCatalog catalog,
    MaintenanceWindows windows,
    NotificationMessages messages,
    NotificationSignals signals,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<NotificationRules> logger) : IIncidentOutbox
{
    public IReadOnlyList<OutboxWrite>? Prepare(IncidentChange change)
    {
        IReadOnlyList<OutboxWrite> writes;
        try
        {
            writes = WritesFor(change, time.GetUtcNow());
        }
        catch (Exception exception)
        {
            // The incident is stored whatever happens here: a notification bug must not lose the incident.
            logger.LogError(exception, "Notifications for {Kind} of incident {Incident} could not be worked out", change.Kind, change.Incident.Id);
            return null;
        }

        return writes.Count == 0 ? null : writes;
    }

    public void Stored(IncidentChange change) => signals.Notify();

    public IReadOnlyList<OutboxWrite>? PrepareAcknowledgement(Incident acknowledged)
    {
        try
        {
            return WritesForAcknowledgement(acknowledged, time.GetUtcNow()) is { Count: > 0 } writes ? writes : null;
        }
        catch (Exception exception)
        {
            // The acknowledgement is stored whatever happens here: it stops the reminders even if its message cannot be made.
            logger.LogError(exception, "The acknowledged message of incident {Incident} could not be worked out", acknowledged.Id);
            return null;
        }
    }

    public void StoredAcknowledgement(Incident acknowledged) => signals.Notify();

    /// <summary>The outbox writes one incident change makes, for every channel.</summary>
    public IReadOnlyList<OutboxWrite> WritesFor(IncidentChange change, DateTimeOffset now)
    {
        var incident = change.Incident;
        var writes = new List<OutboxWrite>();
        foreach (var channel in channels.All)
        {
            switch (change.Kind)
            {
                case IncidentChangeKind.Opened or IncidentChangeKind.Joined when channel.Wants(NotificationEvent.Opened) && Concerns(channel, incident, now):
                    writes.Add(Write(OutboxWriteKind.QueueOrRefresh, NotificationEvent.Opened, channel, incident, now,
                        holdUntil: options.Value.GroupWait > TimeSpan.Zero ? now + options.Value.GroupWait : null));
                    break;

                case IncidentChangeKind.Merged:
                    // After the cancel, only an opened that went out (or is going out now) is left to close.
                    writes.Add(Write(OutboxWriteKind.CancelUnsent, NotificationEvent.Opened, channel, incident, now, withPayload: false));
                    if (channel.Wants(NotificationEvent.Resolved))
                    {
                        writes.Add(Write(OutboxWriteKind.QueueIfAnnounced, NotificationEvent.Resolved, channel, incident, now));
                    }

                    break;

                case IncidentChangeKind.Resolved or IncidentChangeKind.Ended when channel.Wants(NotificationEvent.Resolved):
                    writes.Add(Write(OutboxWriteKind.QueueIfAnnounced, NotificationEvent.Resolved, channel, incident, now));
                    break;
            }
        }

        return writes;
    }

    /// <summary>
    /// The "acknowledged" message to each channel that takes it and got the incident's opening (one per acknowledgement:
    /// its key has the acknowledgement's time, so acknowledging again after an un-acknowledge says so again).
    /// </summary>
    public IReadOnlyList<OutboxWrite> WritesForAcknowledgement(Incident incident, DateTimeOffset now)
    {
        var at = incident.Acknowledged?.At ?? throw new ArgumentException("The incident is not acknowledged.", nameof(incident));
        return [.. channels.All.Where(c => c.Wants(NotificationEvent.Acknowledged)).Select(channel =>
        {
            var key = NotificationMessages.KeyOf($"{incident.Id}:{at.ToUnixTimeMilliseconds()}", NotificationEvent.Acknowledged, channel.Name);
            return new OutboxWrite(OutboxWriteKind.QueueIfAnnounced, key, channel.Name, NotificationEvent.Acknowledged, incident.Id, incident.RootCause, now, null,
                messages.ForIncident(NotificationEvent.Acknowledged, incident, channel.Name, now, key).ToJson());
        })];
    }

    /// <summary>The incident has a probe the channel takes that no maintenance window covers now.</summary>
    public bool Concerns(NotificationChannel channel, Incident incident, DateTimeOffset now) =>
        incident.Affected.Prepend(incident.RootCause).Any(p => channel.Filter.Selects(p, catalog) && windows.ActiveFor(p, now) is null);

    private OutboxWrite Write(OutboxWriteKind kind, NotificationEvent notificationEvent, NotificationChannel channel, Incident incident, DateTimeOffset now,
        DateTimeOffset? holdUntil = null, bool withPayload = true) =>
        new(kind, NotificationMessages.KeyOf(incident.Id, notificationEvent, channel.Name), channel.Name, notificationEvent, incident.Id, incident.RootCause, now, holdUntil,
            withPayload ? messages.ForIncident(notificationEvent, incident, channel.Name, now).ToJson() : null);
}

/// <summary>Wakes the channels' senders: something was queued, retried, or may have settled.</summary>
public sealed class NotificationSignals
{
    private readonly Lock _gate = new();
    private readonly List<WakeSignal> _signals = [];

    public WakeSignal Subscribe()
    {
        var signal = new WakeSignal();
        lock (_gate)
        {
            _signals.Add(signal);
        }

        return signal;
    }

    public void Notify()
    {
        lock (_gate)
        {
            foreach (var signal in _signals)
            {
                signal.Set();
            }
        }
    }
}

/// <summary>An auto-reset wake-up: <see cref="WaitAsync"/> returns when <see cref="Set"/> was called (since the last wait) or at a time.</summary>
public sealed class WakeSignal
{
    private readonly System.Threading.Channels.Channel<bool> _channel = System.Threading.Channels.Channel.CreateBounded<bool>(
        new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });

    public void Set() => _channel.Writer.TryWrite(true);

    /// <summary>Waits for <see cref="Set"/>, or until <paramref name="until"/> on <paramref name="time"/>'s clock (null: no limit).</summary>
    public async Task WaitAsync(DateTimeOffset? until, TimeProvider time, CancellationToken cancellationToken)
    {
        if (_channel.Reader.TryRead(out _))
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = _channel.Reader.WaitToReadAsync(stop.Token).AsTask();
        var tasks = new List<Task> { woken };
        if (until is { } deadline)
        {
            var delay = deadline - time.GetUtcNow();
            if (delay <= TimeSpan.Zero)
            {
                return;
            }

            tasks.Add(Task.Delay(delay, time, stop.Token));
        }

        // A timer counts from when it is made: a clock that reached the deadline after the delay was measured (a test's
        // clock moved by hand meanwhile) would otherwise keep it waiting that much past the deadline.
        if (until is not { } due || time.GetUtcNow() < due)
        {
            await Task.WhenAny(tasks);
        }

        await stop.CancelAsync();
        await Task.WhenAll(tasks).ContinueWith(_ => { }, TaskScheduler.Default);
        _channel.Reader.TryRead(out _);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
