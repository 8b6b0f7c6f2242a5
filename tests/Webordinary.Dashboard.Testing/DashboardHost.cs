using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Hosting;

namespace Webordinary.Dashboard.Testing;

/// <summary>
/// The real dashboard (same <c>AddDashboard</c>/<c>MapDashboard</c> as Program.cs) on Kestrel, loopback port 0,
/// with a throw-away content root and data directory, so only the settings a test gives apply.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    /// <summary>
    /// The layout's mark that the Blazor circuit has taken the prerendered page over (MainLayout.razor): before it,
    /// the page shows its content but clicks do nothing. Browser tests and benchmarks wait for it.
    /// </summary>
    public const string InteractiveSelector = "[data-interactive]";

    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, string contentRoot)
    {
        _app = app;
        ContentRoot = contentRoot;
        BaseAddress = new Uri(app.Urls.First(u => u.StartsWith("http://", StringComparison.Ordinal)) + "/");
    }

    public Uri BaseAddress { get; }

    public string ContentRoot { get; }

    public IServiceProvider Services => _app.Services;

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Settings every test host starts from: a fast sandbox and no probes.</summary>
    public static Dictionary<string, string?> BaseSettings() => new()
    {
        ["Platform:Mode"] = "Sandbox",
        ["Sandbox:TaskStartDelay"] = "00:00:00.300",
        ["Sandbox:HealthCheckDelay"] = "00:00:00.200",
        ["Sandbox:DrainDelay"] = "00:00:00.200",
        // Tests run probes when they say so; the recovery tests turn the re-runs on a fault's change back on.
        ["Sandbox:RecheckOnClear"] = "false",
        ["Sandbox:RecheckOnInject"] = "false",
        ["Dashboard:RunNowCooldown"] = "00:00:10",
        ["Scaling:Services:webordinary-hermes-service:MaxDesiredCount"] = "2",
        ["Scaling:PollInterval"] = "00:00:01",
        ["Scaling:RolloutPollInterval"] = "00:00:00.100",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    };

    /// <summary>A cron that does not fire during a test: the probe runs only when a test asks.</summary>
    public const string NeverCron = "0 0 0 1 1 ? 2099";

    public static void AddProbe(Dictionary<string, string?> settings, string id, string kind, string? interval = null,
        string? cron = null, string timeout = "00:00:05", string? slowThreshold = null)
    {
        var key = $"Dashboard:Probes:{id}";
        settings[$"{key}:Kind"] = kind;
        settings[$"{key}:Timeout"] = timeout;
        if (interval is not null)
        {
            settings[$"{key}:Interval"] = interval;
        }
        else
        {
            settings[$"{key}:Cron"] = cron ?? NeverCron;
        }

        if (slowThreshold is not null)
        {
            settings[$"{key}:SlowThreshold"] = slowThreshold;
        }
    }

    public static async Task<DashboardHost> StartAsync(
        IDictionary<string, string?> settings, string? contentRoot = null, Action<IServiceCollection>? configureServices = null,
        string url = "http://127.0.0.1:0", Action<WebApplication>? configureApp = null)
    {
        contentRoot ??= Directory.CreateTempSubdirectory("dashboard-test-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(DashboardHostingExtensions).Assembly.GetName().Name,
            ContentRootPath = contentRoot,
            EnvironmentName = "Testing",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        builder.AddDashboard();
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        // A test's own middleware (e.g. one that records what reached the server) goes in front of the dashboard's.
        configureApp?.Invoke(app);
        app.MapDashboard();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new DashboardHost(app, contentRoot);
    }

    public async Task StopAsync() => await _app.StopAsync();

    /// <summary>A loopback port free right now, for a test that restarts the app on the same address.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
