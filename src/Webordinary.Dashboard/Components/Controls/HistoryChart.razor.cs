using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Webordinary.Dashboard.Components.Controls;

/// <summary>How a <see cref="HistoryChart"/> draws its series.</summary>
public enum HistoryChartKind
{
    Line,
    Bar,
}

/// <summary>One series of a <see cref="HistoryChart"/>: a value (or none) per point of the chart.</summary>
public sealed record HistorySeries(string Name, IReadOnlyList<double?> Values);

/// <summary>
/// A time chart of a probe's history (latency p50/p95 lines, uptime bars, the cold-start split): axes, one &lt;path&gt;
/// per series (bars: one path of all bars), and a tooltip for the point under the pointer.
/// <para>
/// Drawn here rather than with MudChart: MudChart writes two invisible hover circles per point of a line series and a
/// &lt;text&gt; per axis label, blank ones included, so a week of hourly rollups on the probe page came to ~700 SVG
/// elements and 120 KB of the page's 170 KB, which Chromium parsed, styled, laid out and painted on every load (the
/// history benchmark, the same database: the probe page on screen p50 140–184 ms without the two charts, 192–316 ms
/// with MudChart's). This chart is about 25 elements
/// whatever the number of points: the pointer's position picks the point (one rectangle listens), the tooltip is
/// drawn only while one is hovered.
/// </para>
/// </summary>
public sealed partial class HistoryChart
{
    /// <summary>
    /// The plot's width in the drawing's units. The drawing is stretched to the element's width (preserveAspectRatio
    /// none, strokes that do not scale) and is as tall as the element in CSS pixels; the axis labels are HTML beside it,
    /// so they keep their size on a phone and the plot fills a wide screen.
    /// </summary>
    private const double Width = 1000;
    private const double PlotLeft = 0;
    private const double PlotRight = Width;
    private const double PlotTop = 10;
    private const int YTicks = 4;
    private const int XLabels = 7;

    private ElementReference _svg;

    /// <summary>Where the drawing is: the svg's left edge on the screen and CSS pixels per unit of the drawing.</summary>
    private (double Left, double Scale)? _screen;
    private int? _hovered;
    private bool _unchanged;
    private MarkupString _drawing;
    private MarkupString _labels;
    private object? _drawnFor;
    private double _top = 1;

    /// <summary>The time of each point, oldest first; every series has a value (or none) per point.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<DateTimeOffset> Times { get; set; } = [];

    [Parameter, EditorRequired]
    public IReadOnlyList<HistorySeries> Series { get; set; } = [];

    /// <summary>The tooltip's text per point (time and values), as the page words it.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<string> Tooltips { get; set; } = [];

    [Parameter]
    public HistoryChartKind Kind { get; set; } = HistoryChartKind.Line;

    /// <summary>The chart's time axis; by default from the first point to the last (plus one bucket for bars).</summary>
    [Parameter]
    public DateTimeOffset? From { get; set; }

    [Parameter]
    public DateTimeOffset? To { get; set; }

    /// <summary>A bucket's length: the width of a bar, and where a line breaks (no point for more than 1.5 buckets).</summary>
    [Parameter]
    public TimeSpan? BucketLength { get; set; }

    /// <summary>The top of the value axis; by default a round number above the largest value.</summary>
    [Parameter]
    public double? YMax { get; set; }

    /// <summary>The zone of the time labels: the browser's (the page names it in the chart's caption).</summary>
    [Parameter]
    public TimeZoneInfo Zone { get; set; } = TimeZoneInfo.Utc;

    /// <summary>The time labels' format (in <see cref="Zone"/>), e.g. "dd HH:mm".</summary>
    [Parameter]
    public string TimeFormat { get; set; } = "dd HH:mm";

    [Parameter]
    public double Height { get; set; } = 220;

    /// <summary>Extra classes, e.g. history-chart-uptime for the uptime colours.</summary>
    [Parameter]
    public string? Class { get; set; }

    /// <summary>Words for screen readers: what the chart shows.</summary>
    [Parameter, EditorRequired]
    public string Label { get; set; } = "";

    private double PlotBottom => Height - 24;

    private (DateTimeOffset From, DateTimeOffset To) Axis
    {
        get
        {
            var from = From ?? (Times.Count > 0 ? Times[0] : DateTimeOffset.UnixEpoch);
            var to = To ?? (Times.Count > 0 ? Times[^1] + (Kind == HistoryChartKind.Bar ? BucketLength ?? TimeSpan.Zero : TimeSpan.Zero) : from);
            // A lone point with no axis given: the hour up to it, never one past it (the future has no data).
            return to > from ? (from, to) : (to - TimeSpan.FromHours(1), to);
        }
    }

    protected override void OnParametersSet()
    {
        // The drawing depends only on the data: made again when the page hands over new lists, not on every hover.
        if (!Equals(_drawnFor, (Series, Zone)))
        {
            _drawnFor = (Series, Zone);
            _top = YMax ?? NiceCeiling(Series.SelectMany(s => s.Values).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(0).Max());
            _drawing = new MarkupString(Draw());
            _labels = new MarkupString(DrawLabels());
            _hovered = null;
        }
    }

    /// <summary>x of a time in the viewBox.</summary>
    private double X(DateTimeOffset at)
    {
        var (from, to) = Axis;
        return PlotLeft + (PlotRight - PlotLeft) * ((at - from) / (to - from));
    }

    private double Y(double value) => PlotBottom - (PlotBottom - PlotTop) * Math.Clamp(value / _top, 0, 1);

    /// <summary>A point's x: the middle of its bucket for bars, the time itself for lines.</summary>
    /// <summary>The open bucket (the axis ends at now) is drawn whole at the right edge, not half past it.</summary>
    private double PointX(int index) => Kind == HistoryChartKind.Bar && BucketLength is { } length
        ? Math.Min(X(Times[index] + length / 2), PlotRight - BarWidth / 2)
        : X(Times[index]);

    private double BarWidth => BucketLength is { } length ? Math.Max(0.5, (X(Axis.From + length) - PlotLeft) * 0.8) : 2;

    private string Draw()
    {
        var svg = new StringBuilder(2048);
        // Gridlines in one path, their values at the left.
        svg.Append("<path class=\"history-grid\" d=\"");
        for (var i = 0; i <= YTicks; i++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"M{N(PlotLeft)},{N(Y(_top * i / YTicks))}H{N(PlotRight)}");
        }

        svg.Append("\"></path>");
        for (var s = 0; s < Series.Count; s++)
        {
            var name = System.Net.WebUtility.HtmlEncode(Series[s].Name);
            if (Kind == HistoryChartKind.Line)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<path class=\"history-line history-series-{s}\" d=\"{LinePath(Series[s].Values)}\"><title>{name}</title></path>");
                // A point with no neighbour to join (the first hour has one) is a line of no length: drawn as a dot.
                if (DotsPath(Series[s].Values) is { Length: > 0 } dots)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<path class=\"history-dots history-series-{s}\" d=\"{dots}\"><title>{name}</title></path>");
                }

                continue;
            }

            // Bars that reach the top (uptime 100 %) and the ones that fall short, which stand out in the error colour.
            var values = Series[s].Values;
            svg.Append(CultureInfo.InvariantCulture, $"<path class=\"history-bars history-series-{s}\" d=\"{BarsPath(values, v => v >= _top)}\"><title>{name}</title></path>");
            svg.Append(CultureInfo.InvariantCulture, $"<path class=\"history-bars history-bars-short history-series-{s}\" d=\"{BarsPath(values, v => v < _top)}\"><title>{name}</title></path>");
        }

        return svg.ToString();
    }

    /// <summary>The value labels at the left (CSS pixels from the top: the drawing is as tall as the element), the times below.</summary>
    private string DrawLabels()
    {
        var html = new StringBuilder(1024);
        for (var i = 0; i <= YTicks; i++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<span class=\"history-axis history-axis-y\" style=\"top: {N(Y(_top * i / YTicks))}px\">{AxisValue(_top * i / YTicks)}</span>");
        }

        var (from, to) = Axis;
        for (var i = 0; i < XLabels; i++)
        {
            var at = from + (to - from) * i / (XLabels - 1);
            // Every other time is hidden on a phone (app.css): seven would overlap in 300 px.
            var end = i == 0 ? " history-axis-first" : i == XLabels - 1 ? " history-axis-last" : i % 2 == 1 ? " history-axis-odd" : "";
            html.Append(CultureInfo.InvariantCulture,
                $"<span class=\"history-axis history-axis-x{end}\" style=\"left: {N(X(at) / Width * 100)}%\">{TimeZoneInfo.ConvertTime(at, Zone).ToString(TimeFormat, CultureInfo.InvariantCulture)}</span>");
        }

        return html.ToString();
    }

    private string LinePath(IReadOnlyList<double?> values)
    {
        var path = new StringBuilder(values.Count * 16);
        DateTimeOffset? previous = null;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } value)
            {
                previous = null;
                continue;
            }

            // A gap in the data (more than a bucket and a half without a point) breaks the line.
            var joined = previous is { } last && (BucketLength is not { } length || Times[i] - last <= length * 1.5);
            path.Append(CultureInfo.InvariantCulture, $"{(joined ? "L" : "M")}{N(X(Times[i]))},{N(Y(value))}");
            previous = Times[i];
        }

        return path.ToString();
    }

    /// <summary>Whether the point at <paramref name="i"/> is joined by a line to the one before it.</summary>
    private bool Joined(IReadOnlyList<double?> values, int i) =>
        i > 0 && values[i] is not null && values[i - 1] is not null && (BucketLength is not { } length || Times[i] - Times[i - 1] <= length * 1.5);

    private string DotsPath(IReadOnlyList<double?> values)
    {
        var path = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { } value && !Joined(values, i) && (i + 1 == values.Count || !Joined(values, i + 1)))
            {
                path.Append(CultureInfo.InvariantCulture, $"M{N(X(Times[i]))},{N(Y(value))}h0");
            }
        }

        return path.ToString();
    }

    private string BarsPath(IReadOnlyList<double?> values, Func<double, bool> include)
    {
        var path = new StringBuilder(values.Count * 24);
        var width = BarWidth;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { } value && include(value))
            {
                var y = Y(value);
                path.Append(CultureInfo.InvariantCulture, $"M{N(PointX(i) - width / 2)},{N(PlotBottom)}V{N(y)}h{N(width)}V{N(PlotBottom)}z");
            }
        }

        return path.ToString();
    }

    private async Task OnPointerEnterAsync(MouseEventArgs e)
    {
        // Where the chart is on the screen, asked once per visit: the pointer's x then picks the point without more calls.
        var rect = await _svg.MudGetBoundingClientRectAsync();
        if (rect is null || rect.Width <= 0 || rect.Height <= 0)
        {
            _screen = null;
            return;
        }

        // The drawing is stretched across the element (preserveAspectRatio none).
        _screen = (rect.Left, rect.Width / Width);
        OnPointerMove(e);
    }

    private void OnPointerMove(MouseEventArgs e)
    {
        if (_screen is not { } screen || Times.Count == 0)
        {
            return;
        }

        var x = (e.ClientX - screen.Left) / screen.Scale;
        var nearest = 0;
        for (var i = 1; i < Times.Count; i++)
        {
            if (Math.Abs(PointX(i) - x) < Math.Abs(PointX(nearest) - x))
            {
                nearest = i;
            }
        }

        // Mouse moves arrive many times a second: the chart renders again only when another point is under the pointer.
        _unchanged = nearest == _hovered;
        _hovered = nearest;
    }

    private void OnPointerLeave()
    {
        _unchanged = _hovered is null;
        _hovered = null;
    }

    protected override bool ShouldRender()
    {
        var render = !_unchanged;
        _unchanged = false;
        return render;
    }

    /// <summary>The tooltip's centre in per cent of the plot: above its point, kept inside the plot.</summary>
    private string TooltipLeft(int index) => N(Math.Clamp(PointX(index), PlotLeft + 60, PlotRight - 60) / Width * 100);

    /// <summary>
    /// The top of the value axis for a largest value: four ticks of a round step (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 or 8
    /// times a power of ten) at or above it, so the labels read 0, 15, 30, 45, 60 rather than 0, 13.75, 27.5, ….
    /// </summary>
    internal static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var step = value / YTicks;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(step)));
        var nice = new[] { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10 }.First(m => m * magnitude >= step * (1 - 1e-9));
        return YTicks * nice * magnitude;
    }

    private static string AxisValue(double value) =>
        value >= 10_000 ? (value / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k" : value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
