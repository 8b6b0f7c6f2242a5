using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Webordinary.Dashboard.BrowserTests;

/// <summary>
/// One headless Debian Chromium for the test class. Playwright never downloads a browser here: it launches the
/// machine's <c>/usr/bin/chromium</c> (tests/run.sh installs it) with flags that keep it off the network. The names in
/// <see cref="LoopbackNames"/> resolve to 127.0.0.1, so attack pages can come from foreign sites (and rebind to the
/// dashboard's address). Every context made by <see cref="NewContextAsync"/> reports Content-Security-Policy violations.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Foreign host names that the browser resolves to loopback.</summary>
    public static readonly string[] LoopbackNames = ["evil.example", "attacker.test"];

    private const string CspViolationMark = "CSP violation:";

    private readonly ConcurrentQueue<string> _cspViolations = new();
    private readonly ConcurrentQueue<string> _console = new();

    /// <summary>The last console messages of every page of this fixture's contexts, for a failure's message.</summary>
    public string RecentConsole => string.Join(Environment.NewLine, _console);
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
                $"--host-resolver-rules={string.Join(", ", LoopbackNames.Select(name => $"MAP {name} 127.0.0.1"))}",
            ],
        });
    }

    /// <summary>A new browser context on the dashboard at <paramref name="baseUrl"/>, its pages' CSP violations collected.</summary>
    public async Task<IBrowserContext> NewContextAsync(string baseUrl, BrowserNewContextOptions? options = null)
    {
        options ??= new BrowserNewContextOptions();
        options.BaseURL = baseUrl;
        var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(20_000);
        await context.AddInitScriptAsync($$"""
            document.addEventListener("securitypolicyviolation", e =>
              console.error("{{CspViolationMark}} " + e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " in " + e.sourceFile + ":" + e.lineNumber));
            """);
        // Only the dashboard's own pages count: a foreign page (an attack test's) reports the dashboard refusing to be framed.
        var origin = new Uri(baseUrl).GetLeftPart(UriPartial.Authority);
        context.Console += (_, message) =>
        {
            _console.Enqueue($"{message.Type} {message.Page?.Url}: {message.Text}");
            while (_console.Count > 200)
            {
                _console.TryDequeue(out string? _);
            }

            if (message.Page?.Url.StartsWith(origin, StringComparison.Ordinal) == true
                && (message.Text.StartsWith(CspViolationMark, StringComparison.Ordinal) || message.Text.Contains("Content Security Policy", StringComparison.Ordinal)))
            {
                _cspViolations.Enqueue($"{message.Page?.Url}: {message.Text}");
            }
        };
        return context;
    }

    /// <summary>Fails when any page of any context made here broke the Content-Security-Policy (but for the known <paramref name="accepted"/> ones).</summary>
    public void AssertNoCspViolations(params string[] accepted)
    {
        var violations = _cspViolations.Where(v => !accepted.Any(a => v.Contains(a, StringComparison.Ordinal))).ToArray();
        _cspViolations.Clear();
        Assert.True(violations.Length == 0, $"Content-Security-Policy violations:{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");
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
