using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Webordinary.Dashboard.Testing;

/// <summary>
/// A real OpenID provider for the sign-in tests: <c>tests/oidc/provider.mjs</c> (panva/oidc-provider, installed by
/// tests/run.sh) on a free loopback port, registered for one dashboard address. Its people: <c>alice</c> in group
/// <c>dashboard-admins</c>, <c>victor</c> in <c>dashboard-viewers</c>, <c>mallory</c> in <c>dashboard-viewers</c> with
/// claims named <c>dashboard:role</c> (Admin) and <c>dashboard:via</c> (local) as well; any password.
/// </summary>
public sealed class OpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "dashboard";
    public const string ClientSecret = "dashboard-test-secret";
    public const string AdminGroup = "dashboard-admins";
    public const string ViewerGroup = "dashboard-viewers";

    private readonly Process _process;

    private OpenIdProvider(Process process, Uri issuer)
    {
        _process = process;
        Issuer = issuer;
    }

    public Uri Issuer { get; }

    /// <summary>The dashboard's settings for this provider, mapping its two groups to Admin and Viewer.</summary>
    public void Configure(IDictionary<string, string?> settings, Uri dashboard)
    {
        settings["Dashboard:PublicUrl"] = dashboard.ToString().TrimEnd('/');
        settings["Auth:Mode"] = "Oidc";
        // Remote access comes with sign-in, so the host names must be given; the tests reach it on loopback, always allowed.
        settings["AllowedHosts"] = "dashboard.example.test";
        settings["Auth:Oidc:Authority"] = Issuer.ToString().TrimEnd('/');
        settings["Auth:Oidc:ClientId"] = ClientId;
        settings["Auth:Oidc:ClientSecret"] = ClientSecret;
        settings["Auth:Oidc:RequireHttpsMetadata"] = "false";
        settings["Auth:Roles:Admin:0"] = AdminGroup;
        settings["Auth:Roles:Viewer:0"] = ViewerGroup;
        settings["Auth:DefaultRole"] = "None";
    }

    /// <summary>
    /// Signs <paramref name="login"/> in on the dashboard at <paramref name="dashboard"/> as a browser does, over HTTP: the
    /// dashboard's redirect to the provider, the provider's sign-in and consent forms, the code back to the dashboard. The
    /// cookies land in <paramref name="cookies"/>, one jar for every port of 127.0.0.1 (as for one site behind a load balancer).
    /// </summary>
    public static async Task SignInAsync(Uri dashboard, CookieContainer cookies, string login)
    {
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = dashboard, Timeout = TimeSpan.FromSeconds(30) };
        var page = await browser.GetAsync("auth/login?returnUrl=%2Fapi%2Fprobes");
        foreach (var fields in new Dictionary<string, string>[] { new() { ["login"] = login, ["password"] = "any password" }, new() })
        {
            var html = await page.Content.ReadAsStringAsync();
            var action = Regex.Match(html, "<form[^>]*action=\"([^\"]+)\"");
            if (!action.Success)
            {
                throw new InvalidOperationException($"No form on the provider's page {page.RequestMessage!.RequestUri} ({(int)page.StatusCode}): {html}");
            }

            // The form's hidden fields (which step it is) go with what the person types.
            foreach (Match hidden in Regex.Matches(html, "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\""))
            {
                fields[hidden.Groups[1].Value] = WebUtility.HtmlDecode(hidden.Groups[2].Value);
            }

            page = await browser.PostAsync(new Uri(page.RequestMessage!.RequestUri!, WebUtility.HtmlDecode(action.Groups[1].Value)), new FormUrlEncodedContent(fields));
        }

        if (page.StatusCode != HttpStatusCode.OK || page.RequestMessage!.RequestUri!.Port != dashboard.Port)
        {
            throw new InvalidOperationException($"The sign-in ended at {page.RequestMessage!.RequestUri} ({(int)page.StatusCode}), not back on the dashboard.");
        }
    }

    public static async Task<OpenIdProvider> StartAsync(Uri dashboard)
    {
        var script = Path.Combine(MotoServer.RepositoryRoot(), "tests", "oidc", "provider.mjs");
        if (!Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules", "oidc-provider")))
        {
            throw new InvalidOperationException("tests/oidc/node_modules is missing: run tests/run.sh, which installs oidc-provider with npm.");
        }

        var port = DashboardHost.FreePort();
        var process = Process.Start(new ProcessStartInfo("node", [script, port.ToString(), dashboard.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("ready ", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult(new Uri(e.Data["ready ".Length..]));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"The OpenID provider exited: {errors}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new OpenIdProvider(process, await ready.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync() => ChildProcesses.StopAsync(_process);
}
