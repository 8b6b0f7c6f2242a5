using System.Globalization;

namespace Webordinary.Dashboard.Components.Controls;

/// <summary>Links into a probe's page as its URL keeps its view (ProbeDetails: <c>before</c>, <c>run</c>, <c>range</c>).</summary>
public static class ProbeLinks
{
    /// <summary>The page of runs that started before this moment: ISO 8601 in UTC, to the millisecond the store keeps.</summary>
    public static string Cursor(DateTimeOffset at) =>
        DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>A cursor from the URL; null (the newest page) for anything that is not one.</summary>
    public static DateTimeOffset? ParseCursor(string? text) =>
        text is { Length: <= 40 } && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;

    /// <summary>A run opened, on the page of runs that starts with it.</summary>
    public static string Run(string probeId, string runId, DateTimeOffset startedAt) =>
        $"probes/{Uri.EscapeDataString(probeId)}?before={Uri.EscapeDataString(Cursor(startedAt.AddMilliseconds(1)))}&run={Uri.EscapeDataString(runId)}";
}
