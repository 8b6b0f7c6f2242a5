using Webordinary.Dashboard.Testing;
using Webordinary.Dashboard.Tests.Api;

namespace Webordinary.Dashboard.Tests.Components;

/// <summary>
/// Pages are prerendered: the first HTML response already shows the probes and their runs (the history benchmark's
/// page loads depend on it), and the circuit then takes the page over.
/// </summary>
public abstract class PrerenderTests<THost>(THost fixture) : IClassFixture<THost>
    where THost : ApiHost
{
    private readonly HttpClient _client = fixture.Host.CreateClient();

    [Fact]
    public async Task Overview_html_has_every_probe_row_with_its_last_run_before_any_circuit_exists()
    {
        var run = await fixture.Host.RunProbeAsync("ecs");

        var html = await _client.GetStringAsync("/");

        Assert.Contains($"data-probe-id=\"ecs\" data-status=\"{run.Outcome}\"", html);
        Assert.Contains($"data-last-run=\"{run.Id}\"", html);
        Assert.Contains("data-probe-id=\"hermes\"", html);
        Assert.Contains("data-probe-id=\"cooldown-probe\"", html);
        // The marker browser tests wait for comes only from the circuit, never from the prerendered HTML.
        Assert.DoesNotContain("data-interactive", html);
    }

    [Fact]
    public async Task Browser_paints_the_page_only_once_it_is_parsed_to_its_end()
    {
        var html = await _client.GetStringAsync("/");

        // Rendering is held until #page-end is parsed, and #page-end comes after every row.
        Assert.Contains("""<link rel="expect" href="#page-end" blocking="render">""", html);
        Assert.True(html.IndexOf("id=\"page-end\"", StringComparison.Ordinal) > html.LastIndexOf("class=\"probe-row\"", StringComparison.Ordinal));
        // No script blocks the parser on the way there.
        Assert.True(html.IndexOf("id=\"page-end\"", StringComparison.Ordinal) < html.IndexOf("<script src=", StringComparison.Ordinal));
        // Rows carry no invisible icon paths.
        Assert.DoesNotContain("M0 0h24v24H0z", html[html.IndexOf("class=\"probe-row\"", StringComparison.Ordinal)..html.IndexOf("id=\"page-end\"", StringComparison.Ordinal)]);
    }

    [Fact]
    public async Task Probe_page_html_lists_the_stored_runs()
    {
        var run = await fixture.Host.RunProbeAsync("hermes");

        var html = await _client.GetStringAsync("/probes/hermes");

        Assert.Contains($"class=\"run-row\" data-run-id=\"{run.Id}\" data-outcome=\"{run.Outcome}\"", html);
    }

    [Theory]
    [InlineData("Pacific/Auckland", "Pacific/Auckland")]
    [InlineData("Asia/Kolkata", "Asia/Kolkata")]
    [InlineData("Mars/Olympus_Mons", "UTC")]
    [InlineData("../../etc/passwd", "UTC")]
    public async Task Probe_page_is_prerendered_in_the_zone_of_the_browser_cookie_and_in_UTC_without_a_known_one(string cookie, string shownZone)
    {
        var run = await fixture.Host.RunProbeAsync("hermes");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/probes/hermes");
        request.Headers.Add("Cookie", $"webordinary-tz={cookie}");

        var html = await (await _client.SendAsync(request)).Content.ReadAsStringAsync();

        var zone = TimeZoneInfo.FindSystemTimeZoneById(shownZone);
        var offset = zone.GetUtcOffset(run.StartedAt);
        var label = offset == TimeSpan.Zero ? "UTC" : $"UTC+{offset.Hours}{(offset.Minutes == 0 ? "" : $":{offset.Minutes:00}")}";
        var shown = TimeZoneInfo.ConvertTime(run.StartedAt, zone).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"datetime=\"{run.StartedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\"", html);
        Assert.Contains($">{shown} {label}</time>", System.Net.WebUtility.HtmlDecode(html));
    }

    [Fact]
    public async Task A_failing_probes_page_says_so_in_its_tab_title_and_favicon()
    {
        var faults = fixture.Host.Get<Webordinary.Dashboard.Sandbox.FaultInjector>();
        faults.Set(Webordinary.Dashboard.Sandbox.SandboxComponents.Hermes, new Webordinary.Dashboard.Sandbox.FaultSetting(Webordinary.Dashboard.Sandbox.FaultMode.Down));
        string failing;
        try
        {
            Assert.Equal(Webordinary.Dashboard.Probes.Model.ProbeOutcome.Fail, (await fixture.Host.RunProbeAsync("hermes")).Outcome);
            failing = await _client.GetStringAsync("/probes/hermes");
        }
        finally
        {
            faults.ClearAll();
        }

        await fixture.Host.RunProbeAsync("hermes");
        var passing = await _client.GetStringAsync("/probes/hermes");

        Assert.Contains("<title>Failing · hermes · Webordinary Dashboard</title>", System.Net.WebUtility.HtmlDecode(failing));
        Assert.Contains("favicon-failing", failing);
        Assert.Contains("<title>hermes · Webordinary Dashboard</title>", System.Net.WebUtility.HtmlDecode(passing));
        Assert.DoesNotContain("favicon-failing", passing);
    }

    [Fact]
    public async Task An_incidents_first_failing_step_links_to_its_run_opened_on_the_page_of_runs_it_starts()
    {
        var faults = fixture.Host.Get<Webordinary.Dashboard.Sandbox.FaultInjector>();
        faults.Set(Webordinary.Dashboard.Sandbox.SandboxComponents.Ecs, new Webordinary.Dashboard.Sandbox.FaultSetting(Webordinary.Dashboard.Sandbox.FaultMode.Down));
        try
        {
            // Two failures in a row take it Down (FailuresToDown 2): an incident opens at the first.
            await fixture.Host.RunProbeAsync("ecs");
            await fixture.Host.RunProbeAsync("ecs");
        }
        finally
        {
            faults.ClearAll();
        }

        // Newer runs after it: the incident's run is not on the newest page.
        for (var i = 0; i < 21; i++)
        {
            await fixture.Host.RunProbeAsync("ecs");
        }

        var incident = (await fixture.Host.Get<Webordinary.Dashboard.Storage.IIncidentStore>().ListAsync("ecs", openOnly: false, 1, CancellationToken.None)).Single();
        var incidents = await _client.GetStringAsync("/incidents");
        var link = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(incidents,
            $"href=\"([^\"]*run={incident.FirstRunId}[^\"]*)\"[^>]*data-testid=\"first-run\"").Groups[1].Value);
        Assert.StartsWith("probes/ecs?before=", link);

        var page = await _client.GetStringAsync(link);

        Assert.Contains($"class=\"run-details\" data-run-id=\"{incident.FirstRunId}\"", page);
        Assert.DoesNotContain($"data-run-id=\"{incident.FirstRunId}\"", await _client.GetStringAsync("/probes/ecs"));
    }
}

/// <summary>The pages on the default store, SQLite (<c>PostgresPrerenderTests</c>: the same on PostgreSQL).</summary>
public sealed class PrerenderTests(ApiHost fixture) : PrerenderTests<ApiHost>(fixture)
{
}
