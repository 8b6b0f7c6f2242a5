using Microsoft.Playwright;
using Webordinary.Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>The Notifications page and the sandbox inbox in a real browser, under the Content-Security-Policy.</summary>
public sealed class NotificationsBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Send_test_shows_in_the_log_and_the_inbox_and_a_dead_letter_is_retried_from_the_page()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var refuse = true;
        receiver.Answer = _ => refuse ? (410, null, "gone") : (200, null, "ok");
        var settings = DashboardHost.BaseSettings();
        settings["Notifications:Channels:ops:Kind"] = "Webhook";
        settings["Notifications:Channels:ops:Url"] = receiver.Url().ToString();
        await using var host = await DashboardHost.StartAsync(settings);
        await using var context = await chromium.NewContextAsync(host.BaseAddress.ToString());
        var page = await context.NewPageAsync();

        await page.GotoInteractiveAsync("/notifications");
        await Expect(page.Locator("tr.channel-row")).ToHaveCountAsync(5);
        await page.Locator("tr.channel-row[data-channel='inbox-webhook'] button[data-testid='send-test']").ClickAsync();
        await Expect(page.Locator("tr.delivery-row[data-channel='inbox-webhook'][data-event='test'][data-state='Delivered']")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr.channel-row[data-channel='inbox-webhook']")).ToHaveAttributeAsync("data-status", "Ok");

        // The receiver refuses for good: a dead letter, its channel failing; once it takes messages again, Retry.
        await page.Locator("tr.channel-row[data-channel='ops'] button[data-testid='send-test']").ClickAsync();
        var letter = page.Locator("tr.dead-letter");
        await Expect(letter).ToHaveCountAsync(1);
        await Expect(letter).ToContainTextAsync("HTTP 410: gone");
        await Expect(page.Locator("tr.channel-row[data-channel='ops']")).ToHaveAttributeAsync("data-status", "Failing");
        refuse = false;
        await letter.GetByTestId("retry").ClickAsync();
        await Expect(letter).ToHaveCountAsync(0);
        await Expect(page.Locator("tr.delivery-row[data-channel='ops'][data-state='Delivered']")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr.channel-row[data-channel='ops']")).ToHaveAttributeAsync("data-status", "Ok");
        Assert.Equal(2, receiver.Received.Count);

        await page.GetByTestId("inbox-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sandbox/inbox$"));
        var message = page.Locator(".inbox-message[data-channel='inbox-webhook']");
        await Expect(message).ToHaveCountAsync(1);
        await Expect(message.GetByTestId("signature")).ToHaveTextAsync("signature verified");
        await Expect(message.GetByTestId("inbox-body")).ToContainTextAsync("\"event\": \"test\"");

        chromium.AssertNoCspViolations();
    }
}
