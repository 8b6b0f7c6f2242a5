using System.Globalization;

namespace Webordinary.Dashboard.Components.Controls;

/// <summary>
/// The clock of one page's user (the .NET Aspire dashboard's BrowserTimeProvider): the app's time, in the browser's
/// time zone. The zone comes from the <see cref="CookieName"/> cookie the browser sets on every load (js/time.js), so a
/// prerendered page is right from the first paint; on the first visit (no cookie yet) the page shows UTC, says so,
/// and the circuit asks the browser once it starts (<see cref="Routes"/>). Every time it formats names its zone.
/// </summary>
public sealed class BrowserTimeProvider(TimeProvider time) : TimeProvider
{
    /// <summary>The cookie js/time.js writes: the browser's IANA zone, Intl.DateTimeFormat().resolvedOptions().timeZone.</summary>
    public const string CookieName = "webordinary-tz";

    /// <summary>The longest IANA zone id is 32 characters ("America/Argentina/ComodRivadavia"); anything far longer is not one.</summary>
    private const int MaxZoneIdLength = 64;

    private TimeZoneInfo _zone = TimeZoneInfo.Utc;

    /// <summary>For a component rendered outside <see cref="Routes"/> (a unit test): UTC, said so.</summary>
    public static BrowserTimeProvider Utc { get; } = new(System);

    public override TimeZoneInfo LocalTimeZone => _zone;

    public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

    public override long GetTimestamp() => time.GetTimestamp();

    public override long TimestampFrequency => time.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        time.CreateTimer(callback, state, dueTime, period);

    /// <summary>Takes the browser's zone; false (the zone kept) for an id that is not a known IANA zone.</summary>
    public bool TrySetZone(string? ianaId)
    {
        if (Parse(ianaId) is not { } zone)
        {
            return false;
        }

        _zone = zone;
        return true;
    }

    /// <summary>A known IANA zone by its id; null for none, an unknown one, or anything that does not look like one.</summary>
    public static TimeZoneInfo? Parse(string? ianaId) =>
        ianaId is { Length: > 0 and <= MaxZoneIdLength } && ianaId.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+')
            && TimeZoneInfo.TryFindSystemTimeZoneById(ianaId, out var zone)
            ? zone
            : null;

    /// <summary>The time in the browser's zone with the zone named: "2026-12-02 20:12:20 UTC+13".</summary>
    public string Format(DateTimeOffset at, string format = "yyyy-MM-dd HH:mm:ss") =>
        $"{ToLocal(at).ToString(format, CultureInfo.InvariantCulture)} {ZoneLabel(at)}";

    /// <summary>The time in the browser's zone, without the zone (chart axes, whose caption names it once).</summary>
    public DateTimeOffset ToLocal(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, _zone);

    /// <summary>"UTC" or "UTC+13", "UTC+5:30", "UTC-3": the zone's offset at that time (daylight saving included).</summary>
    public string ZoneLabel(DateTimeOffset at)
    {
        var offset = _zone.GetUtcOffset(at);
        if (offset == TimeSpan.Zero)
        {
            return "UTC";
        }

        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var abs = offset.Duration();
        return abs.Minutes == 0 ? $"UTC{sign}{abs.Hours}" : $"UTC{sign}{abs.Hours}:{abs.Minutes:00}";
    }

    /// <summary>For the hover: the time in UTC and in ISO 8601 with the browser's offset, and the zone's name.</summary>
    public string Title(DateTimeOffset at) =>
        $"{at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC · {Iso(at)} ({_zone.Id})";

    /// <summary>ISO 8601 in the browser's zone: 2026-12-02T20:12:20+13:00.</summary>
    public string Iso(DateTimeOffset at) => ToLocal(at).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
