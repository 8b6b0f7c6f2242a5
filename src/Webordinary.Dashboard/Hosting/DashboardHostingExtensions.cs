using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.SignalR;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MudBlazor.Services;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Components;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Hosting;

public static class DashboardHostingExtensions
{
    private const string LiveTag = "live";

    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Points Path.GetTempPath at <c>Dashboard:TempDirectory</c>: what .NET buffers to disk (a large request body, for
    /// one) goes there, so under a read-only root that needs a writable one. Per process by nature (TMPDIR is the process's); a relative path is left to the options check.
    /// </summary>
    private static void UseTempDirectory(string? directory)
    {
        if (!string.IsNullOrWhiteSpace(directory) && Path.IsPathFullyQualified(directory))
        {
            Directory.CreateDirectory(directory);
            Environment.SetEnvironmentVariable("TMPDIR", directory);
        }
    }

    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        // Outside Development the static web assets (MudBlazor's _content/*, the top-level wwwroot) need this.
        builder.WebHost.UseStaticWebAssets();
        // A failed start is reported once by RunDashboardAsync: a configuration error as exit 2 naming the key, anything
        // else as the unhandled exception. The host's own "Hosting failed to start" log would add a stack trace to both.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        // ECS sends SIGKILL 30 s after SIGTERM: the host's stop (Quartz waiting for runs, which are cancelled and closed
        // as Interrupted at once) ends well before.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        builder.AddPlatform();
        builder.AddStore();
        builder.AddProbes();
        builder.AddScaling();
        builder.AddHistory();
        builder.AddNotifications(IsSandbox(builder.Configuration));

        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        // The layout reads the theme cookie while prerendering.
        services.AddHttpContextAccessor();
        services.AddScoped<Components.Controls.UiClock>();
        services.AddScoped<Components.Controls.CurrentUser>();
        services.AddScoped<Components.Controls.BrowserTimeProvider>();
        services.AddSingleton<Components.IPlatformSignals, Components.PlatformSignals>();
        // JSON for browsers and scripts; MessagePack for clients that take every message (wallboards, bots): smaller
        // messages, and far less of the client's CPU per message (the push benchmark).
        UseTempDirectory(builder.Configuration[$"{Probes.Configuration.DashboardOptions.SectionName}:{nameof(Probes.Configuration.DashboardOptions.TempDirectory)}"]);
        // The keys that protect antiforgery tokens, sign-in sessions and circuits live in the store, so a restart, a deploy
        // or another instance keeps open pages' tokens and cookies valid; one application name for every instance. The
        // data directory's keys/ (where older builds kept them) is imported into a store that has none.
        var dataDirectory = Path.Combine(builder.Environment.ContentRootPath,
            builder.Configuration[$"{Probes.Configuration.DashboardOptions.SectionName}:{nameof(Probes.Configuration.DashboardOptions.DataDirectory)}"] ?? "data");
        services.AddDataProtection().SetApplicationName("Webordinary.Dashboard").PersistKeysToStore(Path.Combine(dataDirectory, "keys"), builder.Configuration);
        services.AddSingleton<ApiKeyHubFilter>();
        services.AddSignalR(o => o.AddFilter<ApiKeyHubFilter>())
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .AddMessagePackProtocol();
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddExceptionHandler<StoreUnavailableExceptionHandler>();
        services.AddDashboardOpenApi();
        builder.AddDashboardMetrics();
        services.AddSingleton<StatusHubConnections>();
        services.AddHostedService<StatusHubBridge>();
        services.AddHostedService<ParkingRechecks>();
        services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag])
            .AddCheck<ResultsStoreHealthCheck>("results-store");

        builder.AddDashboardAuthentication();
        services.AddSingleton<ActionGuard>();
        services.AddSingleton<ProbeActions>();
        services.AddSingleton<PlatformActions>();
        services.AddSingleton<ApiKeyActions>();
        services.AddSingleton<MaintenanceActions>();
        services.AddSingleton<NotificationActions>();
        services.AddSingleton<Incidents.IncidentReader>();
        services.AddSingleton<IncidentActions>();
        builder.RestrictToLoopbackUnlessAllowed();
        builder.AddBrowserSecurity();
        return builder;
    }

    /// <summary>The platform the probes talk to: the built-in sandbox, or real AWS.</summary>
    public static WebApplicationBuilder AddPlatform(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PlatformOptions>()
            .Bind(builder.Configuration.GetSection(PlatformOptions.SectionName))
            .ValidateOnStart();
        builder.Services.AddOptions<AwsOptions>()
            .Bind(builder.Configuration.GetSection(AwsOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.AlbUrl) || Uri.TryCreate(o.AlbUrl, UriKind.Absolute, out _),
                "Aws:AlbUrl must be an absolute URL such as https://alb.example.com.")
            .ValidateOnStart();

        if (IsSandbox(builder.Configuration))
        {
            builder.AddSandboxPlatform();
            builder.Services.AddHostedService<SandboxFaultRechecks>();
            builder.Services.AddHostedService<SandboxFaultsShared>();
            builder.Services.AddChangeKind<SandboxFaultSet>("sandbox-fault-set");
        }
        else
        {
            builder.AddAwsPlatform();
        }

        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseBrowserSecurity();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<AmbientCredentialGuard>();
        app.UseAntiforgery();

        // Static files need no sign-in: the login redirect must not wait on a stylesheet.
        app.MapStaticAssets().AllowAnonymous();
        // Without per-message deflate on the circuits' WebSockets: each compressed connection keeps a zlib deflate
        // state (a few hundred KB) and deflating every render batch was ~5% of the host's CPU with 10 pages open
        // (dotnet-trace); the batches are small diffs, and the dashboard is reached on loopback or behind a proxy.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.DisableWebSocketCompression = true);
        app.MapHub<StatusHub>(StatusHub.Path);
        app.MapAuthEndpoints(AuthenticationSetup.ModeOf(app.Configuration));
        app.MapProbesApi();
        app.MapIncidentsApi();
        app.MapServicesApi();
        app.MapExportApi();
        app.MapApiKeysApi();
        app.MapDashboardOpenApi();
        app.MapDashboardMetrics();
        app.MapMaintenanceApi();
        app.MapNotificationsApi();
        if (IsSandbox(app.Configuration))
        {
            app.MapSandboxApi();
            // The simulated ALB stands for the platform's own load balancer, which knows nothing of the dashboard's sign-in.
            app.MapGroup("").AllowAnonymous().MapHermesSimulator();
        }

        // Health for load balancers and the container: no sign-in; the reason in the body too (a store that cannot write
        // names its file and the error), not just the status word.
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapHealthChecks(HostGuard.AlivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) }).AllowAnonymous();
        return app;
    }

    private static Task WriteHealthAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Status}: {e.Value.Description}");
        return http.Response.WriteAsync(string.Join('\n', lines.Prepend(report.Status.ToString())));
    }

    /// <summary>
    /// Builds and runs the dashboard. A start-up failure the operator can fix (<see cref="ConfigurationErrors"/>: the
    /// configuration and its files, the address to listen on, the data directory and its database) ends it with exit
    /// code 2 and the problem named, never a stack trace — whether it comes while the host is built or while it starts.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            var builder = WebApplication.CreateBuilder(args);
            builder.AddDashboard();
            app = builder.Build();
            app.MapDashboard();
        }
        catch (Exception exception) when (ConfigurationErrors.Describe(exception) is { } message)
        {
            await ReportFailedStartAsync(message);
            return 2;
        }

        return await app.RunDashboardAsync();
    }

    /// <summary>Runs the app; a known start-up failure ends it with exit 2 and the problem named, not a stack trace.</summary>
    public static async Task<int> RunDashboardAsync(this WebApplication app)
    {
        await using (app)
        {
            try
            {
                await app.StartAsync();
            }
            catch (Exception exception) when (ConfigurationErrors.Describe(exception, app.Services) is { } message)
            {
                await StopAfterFailedStartAsync(app);
                await ReportFailedStartAsync(message);
                return 2;
            }

            await app.WaitForShutdownAsync();
            return 0;
        }
    }

    /// <summary>One line for one problem; a list when the configuration has several.</summary>
    private static Task ReportFailedStartAsync(string problems) => Console.Error.WriteLineAsync(problems.Contains('\n', StringComparison.Ordinal)
        ? $"The dashboard did not start:{Environment.NewLine}{problems}"
        : $"The dashboard did not start: {problems.TrimStart(' ', '-')}");

    /// <summary>
    /// Stopped, not only disposed: a background service already running would otherwise end cancelled without a stop,
    /// which the host reports as a crash, stack trace and all, whenever that log line gets out before the process ends.
    /// </summary>
    private static async Task StopAfterFailedStartAsync(WebApplication app)
    {
        try
        {
            await app.StopAsync(CancellationToken.None);
        }
        catch (ArgumentNullException)
        {
            // Refused before any hosted service was started (options validated at start): the host has nothing to stop.
        }
    }

    public static bool IsSandbox(IConfiguration configuration) =>
        !string.Equals(configuration[$"{PlatformOptions.SectionName}:{nameof(PlatformOptions.Mode)}"], nameof(PlatformMode.Aws), StringComparison.OrdinalIgnoreCase);
}
