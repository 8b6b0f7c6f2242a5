using Microsoft.Playwright;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>
/// One headless Debian Chromium for the test class. Playwright never downloads a browser here: it launches the
/// machine's <c>/usr/bin/chromium</c> (tests/run.sh installs it) with flags that keep it off the network.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run tests/run.sh, which installs Debian's chromium.");
        }

        // Assertions wait as long as the pages' actions do: a busy 2-core machine (CI, benchmarks) can take more than
        // Playwright's default 5 s to open a circuit and render a page.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
