using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Components;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Components.Controls;

/// <summary>
/// Latency of a probe's recent runs as a small SVG: a line of durations, each point coloured by its outcome (app.css).
/// The points are one &lt;path&gt; per outcome, each point a zero-length stroke with round caps 4 px wide ("M x,y h0").
/// <para>
/// Markup, not a component: the overview shows one on every row of every open page, and a component costs each
/// circuit its state and two render trees (~3 KB; the memory benchmark's 10 pages of 100 probes held 1,000 of them).
/// The markup is made once per trend (a probe's <see cref="ProbeState.Trend"/> is a new list after each run) and
/// shared by every page showing it.
/// </para>
/// </summary>
public static class Sparkline
{
    private const int Width = 120;
    private const int Height = 28;

    private static readonly ConditionalWeakTable<IReadOnlyList<RunPoint>, string> Made = [];

    /// <summary>Per outcome, the classes of its points, built once.</summary>
    private static readonly Dictionary<ProbeOutcome, string> DotClasses =
        Enum.GetValues<ProbeOutcome>().ToDictionary(o => o, o => $"spark-dots spark-{o.ToString().ToLowerInvariant()}");

    /// <summary>The sparkline of <paramref name="points"/> (oldest first); nothing for fewer than two points.</summary>
    public static MarkupString For(IReadOnlyList<RunPoint> points) =>
        points.Count < 2 ? default : new MarkupString(Made.GetValue(points, Make));

    private static string Make(IReadOnlyList<RunPoint> points)
    {
        var (fastest, slowest) = (points.Min(p => p.DurationMs), points.Max(p => p.DurationMs));
        var scale = Math.Max(1, slowest);
        var step = (Width - 4) / (double)(points.Count - 1);
        var coordinates = points.Select((p, i) => (X: Number(2 + i * step), Y: Number(Height - 2 - (Height - 4) * p.DurationMs / scale), p.Outcome)).ToList();
        var svg = new StringBuilder(1024);
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg class=\"sparkline\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"Last {points.Count} runs: {fastest:0}–{slowest:0} ms\">");
        svg.Append("<polyline points=\"").AppendJoin(' ', coordinates.Select(c => $"{c.X},{c.Y}"))
            .Append("\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" opacity=\"0.6\"></polyline>");
        // One path per outcome, in order of first appearance.
        foreach (var outcome in coordinates.GroupBy(c => c.Outcome))
        {
            svg.Append("<path d=\"").AppendJoin("", outcome.Select(c => $"M{c.X},{c.Y}h0")).Append("\" class=\"").Append(DotClasses[outcome.Key]).Append("\"></path>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
