using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Components.Controls;

/// <summary>What a probe is found by on the overview: its id, kind, status, component and tags (<c>Dashboard:Probes:{id}:Tags</c>).</summary>
public sealed record ProbeFacts(ProbeState State, string Component, IReadOnlyList<string> Tags);

/// <summary>
/// The overview's search and filters, as its URL carries them (<c>?q=hermes&amp;status=Fail&amp;tag=edge&amp;group=component</c>),
/// so a filtered view can be linked, bookmarked and reloaded. What the URL brings is bounded and checked: unknown
/// values are dropped (the probe list shows unfiltered by them), never an error.
/// </summary>
public sealed record ProbeFilter(string? Text, ProbeOutcome? Status, string? Tag, bool GroupByComponent)
{
    /// <summary>A search longer than any probe id, kind or tag finds nothing anyway.</summary>
    public const int MaxTextLength = 100;

    public const string GroupComponent = "component";

    public static ProbeFilter None { get; } = new(null, null, null, false);

    public bool IsEmpty => Text is null && Status is null && Tag is null;

    /// <summary>From the query string's <c>q</c>, <c>status</c>, <c>tag</c> and <c>group</c>.</summary>
    public static ProbeFilter FromQuery(string? text, string? status, string? tag, string? group)
    {
        var trimmed = text?.Trim();
        return new ProbeFilter(
            string.IsNullOrEmpty(trimmed) ? null : trimmed.Length > MaxTextLength ? trimmed[..MaxTextLength] : trimmed,
            // By name only: Enum.TryParse would also take numbers and lists ("7", "Pass,Fail").
            Enum.GetValues<ProbeOutcome>().Where(o => string.Equals(o.ToString(), status, StringComparison.OrdinalIgnoreCase)).Select(o => (ProbeOutcome?)o).FirstOrDefault(),
            // Tags follow the probe id rules (DashboardOptionsValidator): anything else matches no probe.
            tag is not null && ProbeIdFormat.IsValid(tag) ? tag : null,
            string.Equals(group, GroupComponent, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The query parameters of this filter; null removes one from the URL.</summary>
    public IReadOnlyDictionary<string, object?> ToQuery() => new Dictionary<string, object?>
    {
        ["q"] = Text,
        ["status"] = Status?.ToString(),
        ["tag"] = Tag,
        ["group"] = GroupByComponent ? GroupComponent : null,
    };

    /// <summary>The search matches any of id, kind, status, component or a tag (case-insensitive, part of a word will do).</summary>
    public bool Matches(ProbeFacts probe) =>
        (Status is not { } status || probe.State.Status == status)
        && (Tag is not { } tag || probe.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
        && (Text is not { } text || Found(text, probe));

    private static bool Found(string text, ProbeFacts probe) =>
        new[] { probe.State.ProbeId, probe.State.Kind, probe.State.Status.ToString(), probe.Component }.Concat(probe.Tags)
            .Any(field => field.Contains(text, StringComparison.OrdinalIgnoreCase));
}
