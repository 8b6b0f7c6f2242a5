using Webordinary.Dashboard.Probes.History;

namespace Webordinary.Dashboard.Components.Controls;

/// <summary>An uptime window as pages say it: never a year's figure over minutes without saying how much data it is over.</summary>
public static class UptimeText
{
    public const string Definition = "Share of time up (degraded counts as up; parked, maintenance and interrupted time left out)";

    /// <summary>"7 d: 99.20 %" when the window is covered, "7 d: 99.20 % over 3 d 4 h of data" when it is not, "7 d: no data".</summary>
    public static string Label(UptimeWindow window) => window.Uptime is not { } uptime
        ? $"{Name(window)}: no data"
        : window.IsPartial
            ? $"{Name(window)}: {uptime:P2} over {Coverage(TimeSpan.FromSeconds(window.CoveredSeconds))} of data"
            : $"{Name(window)}: {uptime:P2}";

    /// <summary>"24h" → "24 h", "7d" → "7 d".</summary>
    public static string Name(UptimeWindow window) => window.Window.Length > 1 ? $"{window.Window[..^1]} {window.Window[^1]}" : window.Window;

    /// <summary>The two largest units: "3 d 4 h", "2 h 5 min", "4 min", "40 s".</summary>
    public static string Coverage(TimeSpan covered) => covered switch
    {
        { TotalDays: >= 1 } => covered.Hours > 0 ? $"{(int)covered.TotalDays} d {covered.Hours} h" : $"{(int)covered.TotalDays} d",
        { TotalHours: >= 1 } => covered.Minutes > 0 ? $"{(int)covered.TotalHours} h {covered.Minutes} min" : $"{(int)covered.TotalHours} h",
        { TotalMinutes: >= 1 } => $"{(int)covered.TotalMinutes} min",
        _ => $"{(int)covered.TotalSeconds} s",
    };
}
