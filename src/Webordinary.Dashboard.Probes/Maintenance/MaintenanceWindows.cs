using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Probes.Maintenance;

public enum MaintenanceWindowKind
{
    /// <summary>From configuration (<c>Maintenance:Windows</c>), recurring by cron.</summary>
    Scheduled,

    /// <summary>Made from the UI or the API, once ("for 1 h"); stored, so it survives a restart.</summary>
    AdHoc,
}

/// <summary>
/// What a window covers: some probes, some components (the probes that check them), or — neither — everything; and
/// with each, every probe that needs it (<see cref="MaintenanceCoverage"/>).
/// </summary>
public sealed record MaintenanceScope(IReadOnlyList<string> Probes, IReadOnlyList<PlatformComponent> Components)
{
    public bool IsGlobal => Probes.Count == 0 && Components.Count == 0;

    public string Describe() => IsGlobal
        ? "everything"
        : string.Join(", ", Components.Select(c => c.DisplayName()).Concat(Probes));
}

/// <summary>A maintenance window. Scheduled ones have a cron and a duration; ad hoc ones a start and an end.</summary>
public sealed record MaintenanceWindow(
    string Id,
    MaintenanceWindowKind Kind,
    string Reason,
    MaintenanceScope Scope,
    DateTimeOffset? StartsAt = null,
    DateTimeOffset? EndsAt = null,
    string? Cron = null,
    TimeSpan? Duration = null,
    string? TimeZone = null,
    string? CreatedBy = null,
    DateTimeOffset? CreatedAt = null);

/// <summary>A window as it stands at a moment: open from <see cref="From"/> until <see cref="Until"/>, or next opening then.</summary>
public sealed record WindowState(MaintenanceWindow Window, bool Active, DateTimeOffset? From, DateTimeOffset? Until)
{
    private const string UntilFormat = "yyyy-MM-dd HH:mm";

    /// <summary>What a run in it records: "name: reason (until 2026-12-01 05:00 UTC)".</summary>
    public string Describe() => $"{Window.Id}: {Window.Reason} (until {Until?.UtcDateTime.ToString(UntilFormat, System.Globalization.CultureInfo.InvariantCulture)} UTC)";

    /// <summary>
    /// A run's note (<see cref="Describe"/>) as its text and its end, so a page can show the end in the reader's zone;
    /// a note of another form is all text.
    /// </summary>
    public static (string Text, DateTimeOffset? Until) ParseNote(string note)
    {
        const string marker = " (until ";
        var at = note.LastIndexOf(marker, StringComparison.Ordinal);
        return at >= 0 && note.EndsWith(" UTC)", StringComparison.Ordinal)
            && DateTimeOffset.TryParseExact(note[(at + marker.Length)..^" UTC)".Length], UntilFormat, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var until)
            ? (note[..at], until)
            : (note, null);
    }
}

/// <summary>An ad hoc window asked for through the API or the UI.</summary>
/// <param name="Duration">How long from <paramref name="StartsAt"/> (default now); give this or <paramref name="EndsAt"/>.</param>
public sealed record MaintenanceRequest(string? Reason, TimeSpan? Duration = null, DateTimeOffset? StartsAt = null, DateTimeOffset? EndsAt = null,
    string[]? Probes = null, string[]? Components = null);

public sealed record MaintenanceResult(MaintenanceWindow? Window, string? Error);

/// <summary>An ad hoc window was added or ended, on this instance or another: every instance's list follows.</summary>
public abstract record MaintenanceWindowChange : DashboardChange;

public sealed record MaintenanceWindowAdded(MaintenanceWindow Window) : MaintenanceWindowChange;

public sealed record MaintenanceWindowEnded(string Id) : MaintenanceWindowChange;

/// <summary>The list was read again from the store (after changes were missed): heard on this instance only.</summary>
public sealed record MaintenanceWindowsReloaded : MaintenanceWindowChange;

/// <summary>
/// Maintenance windows and silences: the scheduled ones from configuration and the ad hoc ones from the UI and API
/// (stored: <see cref="IMaintenanceWindowStore"/>). Inside a window probes keep running and recording; their runs say so, count for
/// no uptime, and open no incident. A resolution is never held back by a window. The ad hoc ones are kept in memory,
/// loaded at start and kept current by the change feed (a window made on one instance applies on every one at once).
/// </summary>
public sealed class MaintenanceWindows
{
    public const int MaxReasonLength = 200;
    public const int MaxProbes = 100;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxLeadTime = TimeSpan.FromDays(30);

    private readonly IMaintenanceWindowStore _store;
    private readonly IOptions<MaintenanceOptions> _options;
    private readonly ProbeCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly ChangeFeed _changes;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<MaintenanceWindow> _adHoc = [];
    private IReadOnlyList<MaintenanceWindow>? _scheduled;

    public MaintenanceWindows(IMaintenanceWindowStore store, IOptions<MaintenanceOptions> options, ProbeCatalog catalog, TimeProvider time, ChangeFeed changes,
        ILogger<MaintenanceWindows> logger)
    {
        (_store, _options, _catalog, _time, _changes, _logger) = (store, options, catalog, time, changes, logger);
        // Both live as long as the process.
        changes.Apply<MaintenanceWindowChange>(Apply);
        changes.Subscribe<ChangesMissed>(missed => { _ = ReloadAfterMissedChangesAsync(); });
    }

    public static bool IsValidId(string id) => ProbeIdFormat.IsValid(id);

    /// <summary>Loads the ad hoc windows that have not ended yet.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var rows = await _store.ListOpenAsync(_time.GetUtcNow(), cancellationToken);
        lock (_gate)
        {
            _adHoc.Clear();
            _adHoc.AddRange(rows.Select(r => new MaintenanceWindow(r.Id, MaintenanceWindowKind.AdHoc, r.Reason,
                new MaintenanceScope(r.Probes, [.. r.Components.Select(c => Enum.Parse<PlatformComponent>(c))]),
                r.StartsAt, r.EndsAt, CreatedBy: r.Actor, CreatedAt: r.CreatedAt)));
        }
    }

    /// <summary>Every window that is open now or still to come, with its state now (open ones first).</summary>
    public IReadOnlyList<WindowState> List()
    {
        var now = _time.GetUtcNow();
        List<MaintenanceWindow> adHoc;
        lock (_gate)
        {
            _adHoc.RemoveAll(w => w.EndsAt <= now);
            adHoc = [.. _adHoc];
        }

        return [.. Scheduled.Concat(adHoc).Select(w => StateOf(w, now)).OrderByDescending(s => s.Active).ThenBy(s => s.From)];
    }

    /// <summary>The windows open now.</summary>
    public IReadOnlyList<WindowState> Active() => [.. List().Where(s => s.Active)];

    /// <summary>The window the probe is in at <paramref name="at"/>, if any (the one that lasts longest).</summary>
    public WindowState? ActiveFor(string probeId, DateTimeOffset at)
    {
        var coverage = new MaintenanceCoverage(_catalog.Topology);
        List<MaintenanceWindow> adHoc;
        lock (_gate)
        {
            adHoc = [.. _adHoc];
        }

        return Scheduled.Concat(adHoc).Where(w => coverage.Covers(w.Scope, probeId)).Select(w => StateOf(w, at))
            .Where(s => s.Active).MaxBy(s => s.Until);
    }

    /// <summary>Checks and stores an ad hoc window.</summary>
    /// <param name="actor">Who asked (authentication supplies it; <c>local</c> until then).</param>
    public async Task<MaintenanceResult> AddAsync(MaintenanceRequest request, string actor, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > MaxReasonLength)
        {
            return new(null, $"reason is required, at most {MaxReasonLength} characters: it is what the overview shows.");
        }

        var starts = request.StartsAt ?? now;
        if (starts < now - TimeSpan.FromMinutes(1) || starts > now + MaxLeadTime)
        {
            return new(null, $"startsAt must be between now and {MaxLeadTime.TotalDays:0} days ahead.");
        }

        if ((request.Duration is null) == (request.EndsAt is null))
        {
            return new(null, "give exactly one of duration (e.g. \"01:00:00\") or endsAt (an ISO 8601 time).");
        }

        // Checked before it is added to a time: a duration of millions of days would overflow the calendar.
        if (request.Duration is { } duration && (duration < TimeSpan.FromMinutes(1) || duration > MaxDuration))
        {
            return new(null, $"a window lasts from 1 minute to {MaxDuration.TotalDays:0} days (got {duration}).");
        }

        var ends = request.EndsAt ?? starts + request.Duration!.Value;
        if (ends - starts < TimeSpan.FromMinutes(1) || ends - starts > MaxDuration)
        {
            return new(null, $"a window lasts from 1 minute to {MaxDuration.TotalDays:0} days (got {ends - starts}).");
        }

        var probes = (request.Probes ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (probes.Count > MaxProbes)
        {
            return new(null, $"at most {MaxProbes} probes per window.");
        }

        if (probes.FirstOrDefault(p => !_catalog.TryGet(p, out _, out _)) is { } unknown)
        {
            return new(null, $"no probe has id '{(unknown.Length > 64 ? unknown[..64] + "…" : unknown)}'.");
        }

        var components = new List<PlatformComponent>();
        foreach (var name in (request.Components ?? []).Take(PlatformComponents.All.Count + 1))
        {
            if (!PlatformComponents.TryParse(name, out var component))
            {
                return new(null, $"unknown component '{(name is { Length: > 32 } ? name[..32] + "…" : name)}'. Known: {PlatformComponents.Known}.");
            }

            components.Add(component);
        }

        var window = new MaintenanceWindow($"adhoc-{Model.ProbeRun.NewId()[..12]}", MaintenanceWindowKind.AdHoc, request.Reason.Trim(),
            new MaintenanceScope([.. probes.Select(p => _catalog.TryGet(p, out var d, out _) ? d.Id : p)], [.. components.Distinct()]),
            starts, ends, CreatedBy: actor, CreatedAt: now);
        await _store.AddAsync(new StoredMaintenanceWindow(window.Id, now, actor, starts, ends, window.Reason,
            window.Scope.Probes, [.. window.Scope.Components.Select(c => c.ToString())]), cancellationToken);
        _changes.Publish(new MaintenanceWindowAdded(window));
        return new(window, null);
    }

    public enum EndResult
    {
        Ended,
        Unknown,
        Scheduled,
    }

    /// <summary>Ends an ad hoc window now; scheduled ones are changed in configuration.</summary>
    public async Task<EndResult> EndAsync(string id, string actor, CancellationToken cancellationToken)
    {
        if (Scheduled.Any(w => w.Id.Equals(id, StringComparison.OrdinalIgnoreCase)))
        {
            return EndResult.Scheduled;
        }

        MaintenanceWindow? window;
        lock (_gate)
        {
            window = _adHoc.FirstOrDefault(w => w.Id.Equals(id, StringComparison.OrdinalIgnoreCase));
        }

        if (window is null)
        {
            return EndResult.Unknown;
        }

        var now = _time.GetUtcNow();
        await _store.EndAsync(window.Id, now, actor, cancellationToken);
        _changes.Publish(new MaintenanceWindowEnded(window.Id));
        return EndResult.Ended;
    }

    private void Apply(MaintenanceWindowChange change)
    {
        lock (_gate)
        {
            switch (change)
            {
                case MaintenanceWindowAdded { Window: var added } when !_adHoc.Any(w => w.Id == added.Id):
                    _adHoc.Add(added);
                    break;
                case MaintenanceWindowEnded { Id: var id }:
                    _adHoc.RemoveAll(w => w.Id.Equals(id, StringComparison.OrdinalIgnoreCase));
                    break;
            }
        }
    }

    private async Task ReloadAfterMissedChangesAsync()
    {
        try
        {
            await InitializeAsync(CancellationToken.None);
            _changes.Publish(new MaintenanceWindowsReloaded());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The list stays as it was; the next missed-changes notice or restart loads it again.
            _logger.LogWarning(exception, "Maintenance windows could not be reloaded after missed changes");
        }
    }

    private IReadOnlyList<MaintenanceWindow> Scheduled => _scheduled ??= [.. _options.Value.Windows.Select(p => new MaintenanceWindow(p.Key, MaintenanceWindowKind.Scheduled,
        p.Value.Reason, new MaintenanceScope([.. p.Value.Probes ?? []], [.. (p.Value.Components ?? []).Select(c => PlatformComponents.TryParse(c, out var parsed) ? parsed : default)]),
        Cron: p.Value.Cron, Duration: p.Value.Duration, TimeZone: string.IsNullOrEmpty(p.Value.TimeZone) ? "UTC" : p.Value.TimeZone))];

    internal static WindowState StateOf(MaintenanceWindow window, DateTimeOffset at)
    {
        if (window.Kind == MaintenanceWindowKind.AdHoc)
        {
            return new WindowState(window, window.StartsAt <= at && at < window.EndsAt, window.StartsAt, window.EndsAt);
        }

        var cron = new CronExpression(window.Cron!, window.TimeZone is null or "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(window.TimeZone));
        var duration = window.Duration!.Value;
        // The fire that opened a window still open at `at` is after at - duration.
        if (cron.GetNextValidTimeAfter(at - duration) is { } opened && opened <= at)
        {
            return new WindowState(window, true, opened, opened + duration);
        }

        var next = cron.GetNextValidTimeAfter(at);
        return new WindowState(window, false, next, next + duration);
    }
}
