using System.Diagnostics;

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
