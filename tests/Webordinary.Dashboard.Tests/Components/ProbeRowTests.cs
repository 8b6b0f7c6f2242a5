using System.Reflection;
using Bunit;
using Microsoft.AspNetCore.Components.RenderTree;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Tests.Components;

/// <summary>An overview row's age: words with no stray space, a link to the run they describe, and the row's size.</summary>
public sealed class ProbeRowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 11, 0, 0, TimeSpan.Zero);

    private static BunitContext NewContext()
    {
        var context = new BunitContext();
        context.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(T0.AddSeconds(26)));
        context.Services.AddScoped<UiClock>();
        return context;
    }

    private static ProbeState Passed(string runId = "0193a2b4-run") => new("hermes-health", "HermesHealth", "every 30 s", true,
        new ProbeRun(runId, "hermes-health", "HermesHealth", RunTrigger.Schedule, T0.AddMilliseconds(-250), T0, 250, ProbeOutcome.Pass, "HTTP 200 in 250 ms", []),
        null, []);

    [Fact]
    public async Task Relative_time_is_its_words_alone_so_brackets_around_it_close_on_the_last_letter()
    {
        await using var context = NewContext();

        // As the probe page writes it: "(<RelativeTime />)".
        var cut = context.Render(builder =>
        {
            builder.OpenElement(0, "p");
            builder.AddContent(1, "(");
            builder.OpenComponent<RelativeTime>(2);
            builder.AddComponentParameter(3, nameof(RelativeTime.At), (DateTimeOffset?)T0);
            builder.CloseComponent();
            builder.AddContent(4, ")");
            builder.CloseElement();
        });

        Assert.Equal("(26 s ago)", cut.Find("p").TextContent);
    }

    [Fact]
    public async Task The_rows_age_opens_its_last_run_on_the_probes_page()
    {
        await using var context = NewContext();

        var cut = context.Render<ProbeRow>(p => p.Add(x => x.State, Passed()));

        var link = cut.Find("a[data-testid='last-run']");
        Assert.Equal("26 s ago", link.TextContent);
        Assert.Equal(ProbeLinks.Run("hermes-health", "0193a2b4-run", T0.AddMilliseconds(-250)), link.GetAttribute("href"));
        Assert.Contains("run=0193a2b4-run", link.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Contains("2026-12-02 11:00:00 UTC", link.QuerySelector("span.relative-time")!.GetAttribute("title"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_probe_never_run_has_no_link_only_never()
    {
        await using var context = NewContext();

        var cut = context.Render<ProbeRow>(p => p.Add(x => x.State, new ProbeState("hermes-health", "HermesHealth", "every 30 s", true, null, null, [])));

        Assert.Empty(cut.FindAll("a[data-testid='last-run']"));
        Assert.Equal("never", cut.Find("span.relative-time").TextContent);
    }

    [Fact]
    public async Task A_running_probes_progress_bar_is_named_for_screen_readers()
    {
        await using var context = NewContext();
        var running = Passed() with { CurrentRun = new ProbeRun("next", "hermes-health", "HermesHealth", RunTrigger.Manual, T0.AddSeconds(20), null, null, ProbeOutcome.Unknown, null, []) };

        var cut = context.Render<ProbeRow>(p => p.Add(x => x.State, running));

        Assert.Equal("hermes-health running", cut.Find("[role='progressbar']").GetAttribute("aria-label"));
    }

    [Fact]
    public async Task A_row_stays_within_64_render_frames()
    {
        // The overview keeps a row per probe on every open page; a component's frame buffer grows in powers of two,
        // so a row past 64 frames doubles its memory (ProbeRow's header comment).
        await using var context = NewContext();
        var cut = context.Render<ProbeRow>(p => p.Add(x => x.State, Passed()));

        var frames = typeof(Renderer).GetMethod("GetCurrentRenderTreeFrames", BindingFlags.NonPublic | BindingFlags.Instance)!
            .Invoke(context.Renderer, [cut.ComponentId]);

        var count = (int)frames!.GetType().GetField("Count")!.GetValue(frames)!;
        Assert.InRange(count, 1, 64);
    }
}
