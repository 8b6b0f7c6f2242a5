using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>A client of the public hub <c>/hubs/status</c>, as an outside consumer would build it.</summary>
public static class StatusHubClients
{
    /// <summary>WebSockets straight away (no negotiate round trip), so a thousand clients connect quickly.</summary>
    public static HubConnection Create(DashboardHost host) => new HubConnectionBuilder()
        .WithUrl(new Uri(host.BaseAddress, StatusHub.Path.TrimStart('/')), options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            options.SkipNegotiation = true;
        })
        .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
        .Build();
}

/// <summary>
/// Headless Debian Chromium through Playwright, launched as the browser tests do: the machine's /usr/bin/chromium,
/// never a downloaded browser, with flags that keep it off the network.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<Chromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: apt-get install chromium (tests/run.sh does).");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        string[] offline = ["--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", .. offline],
        });
        return new Chromium(playwright, browser);
    }

    /// <summary>A page on the dashboard's overview with every probe row rendered (the Blazor circuit is up).</summary>
    public static async Task<IPage> OpenOverviewAsync(IBrowserContext context, int rows)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.Locator("tr.probe-row").Nth(rows - 1).WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}
