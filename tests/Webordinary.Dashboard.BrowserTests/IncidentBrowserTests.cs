using Microsoft.Playwright;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>
/// Working an incident on its page in Chromium: a note with markup shows as the text it is, acknowledge changes the
/// status and the timeline, Copy as Markdown puts the postmortem on the clipboard, and the page follows its probe
/// recovering without a reload.
/// </summary>
public sealed class IncidentBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Markup = "<img src=x onerror=alert(1)><b>x</b>";

    [Fact]
    public async Task A_note_with_markup_is_text_acknowledge_shows_copy_as_markdown_copies_and_the_page_follows_the_recovery()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, EveryPageHost.FailingProbe, DynamoDbTableProbe.KindName);
        settings[$"Dashboard:Probes:{EveryPageHost.FailingProbe}:FailuresToDown"] = "1";
        settings[$"Dashboard:Probes:{EveryPageHost.FailingProbe}:ConfirmFailures"] = "false";
        await using var host = await DashboardHost.StartAsync(settings);
        var faults = host.Get<FaultInjector>();
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        await host.RunProbeAsync(EveryPageHost.FailingProbe);
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new BrowserContextGrantPermissionsOptions { Origin = host.BaseAddress.ToString().TrimEnd('/') });
        var page = await context.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };
        await page.GotoInteractiveAsync("/incidents");
        await page.GetByTestId("incident-link").First.ClickAsync();
        await Expect(page.GetByTestId("incident-status")).ToHaveTextAsync("Open");

        await page.Locator("textarea[data-testid='note-text'], [data-testid='note-text'] textarea").FillAsync(Markup);
        await page.GetByTestId("note-add").ClickAsync();

        var note = page.GetByTestId("incident-note-text");
        await Expect(note).ToHaveTextAsync(Markup);
        await Expect(page.Locator("[data-testid='incident-note-text'] *, tr.timeline-entry[data-kind='note'] img, tr.timeline-entry[data-kind='note'] b")).ToHaveCountAsync(0);
        await Expect(page.Locator("tr.timeline-entry[data-kind='note']")).ToContainTextAsync(Markup);
        Assert.Equal(0, dialogs);

        await page.GetByTestId("acknowledge").ClickAsync();
        await Expect(page.GetByTestId("incident-status")).ToHaveTextAsync("Acknowledged");
        await Expect(page.Locator("tr.timeline-entry[data-kind='acknowledged']")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("acknowledge")).ToContainTextAsync("Un-acknowledge");

        await page.GetByTestId("copy-markdown").ClickAsync();
        await Expect(page.GetByText("Postmortem copied as Markdown.")).ToBeVisibleAsync();
        var copied = await page.EvaluateAsync<string>("navigator.clipboard.readText()");
        Assert.Contains("## Summary", copied);
        Assert.Contains("## Timeline", copied);
        Assert.Contains("## Notes", copied);
        Assert.Contains(@"\<img src=x onerror=alert(1)\>", copied);
        Assert.Contains("- **Acknowledged:** by local", copied);

        // The root cause passes again: the open page turns Resolved on its own.
        faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.None));
        await host.RunProbeAsync(EveryPageHost.FailingProbe);
        await Expect(page.GetByTestId("incident-status")).ToHaveTextAsync("Resolved");
        await Expect(page.Locator("tr.timeline-entry[data-kind='resolved']")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("acknowledge")).ToHaveCountAsync(0);
    }
}
