using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Sandbox;

namespace Webordinary.Dashboard.Cli;

/// <summary>
/// The dashboard's own configuration, probes and platform clients (sandbox or AWS), without its web server, scheduler
/// or background work: for running probes once from the command line. On the sandbox, its simulated ALB is served on a
/// loopback port of its own (the probes reach Hermes over HTTP). Everything the runs touch lives in a throw-away
/// database — incidents, audit — so a command-line run never changes a running dashboard's incidents or
/// notifications; with <c>store</c> the runs themselves (with their steps) also go to the configured results store
/// (<c>Store:Provider</c>: the SQLite file in <c>Dashboard:DataDirectory</c> or the PostgreSQL database of
/// <c>Store:ConnectionString</c>), where the dashboard's history and uptime count them.
/// </summary>
public sealed class ProbeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _scratch;
    private readonly bool _started;
    private readonly IStore? _results;

    private ProbeHost(WebApplication app, string scratch, bool started, IStore? results)
    {
        (_app, _scratch, _started, _results) = (app, scratch, started, results);
    }

    public IServiceProvider Services => _app.Services;

    public bool IsSandbox => DashboardHostingExtensions.IsSandbox(_app.Configuration);

    /// <exception cref="Exception">A configuration error: described by <see cref="ConfigurationErrors.Describe"/>.</exception>
    public static async Task<ProbeHost> StartAsync(bool store, Action<IConfigurationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(ProbeHost).Assembly.GetName().Name });
        configure?.Invoke(builder.Configuration);
        const string dataDirectoryKey = $"{Probes.Configuration.DashboardOptions.SectionName}:{nameof(Probes.Configuration.DashboardOptions.DataDirectory)}";
        var configured = Path.Combine(builder.Environment.ContentRootPath, builder.Configuration[dataDirectoryKey] ?? "data");
        var configuredStore = StoreHostingExtensions.ReadStoreOptions(builder.Configuration);
        var scratch = Directory.CreateTempSubdirectory("webordinary-probe-run-").FullName;
        builder.Configuration[dataDirectoryKey] = scratch;
        // The throw-away store is a SQLite file in the scratch directory whatever the configured provider: incidents and
        // audit of a command-line run must not reach a shared PostgreSQL database either.
        builder.Configuration[StoreOptions.ProviderKey] = StoreOptions.Sqlite;

        // Standard output is the report (a table, JSON): the log goes to standard error, warnings and worse only.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // A rule for the console provider itself wins over the configuration's LogLevel for all providers.
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddDashboard();
        IStore? results = null;
        if (store)
        {
            builder.Services.AddSingleton(sp =>
            {
                (results, var runs) = StoreHostingExtensions.OpenResultsStore(sp, configuredStore, builder.Configuration, configured);
                return runs;
            });
        }

        // No scheduler, monitors, hubs or set-up jobs: only the web server itself, which only the sandbox needs.
        foreach (var hosted in builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name != "GenericWebHostService").ToList())
        {
            builder.Services.Remove(hosted);
        }

        var app = builder.Build();
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
            var sandbox = DashboardHostingExtensions.IsSandbox(app.Configuration);
            if (sandbox)
            {
                app.MapHermesSimulator();
                await app.StartAsync(cancellationToken);
            }

            // The throw-away database as the dashboard sets its own up; the configured store only migrated: runs a
            // running dashboard has under way are its own to close.
            await app.Services.GetRequiredService<IStore>().MigrateAsync(cancellationToken);
            app.Services.GetRequiredService<IResultsStore>();
            if (results is not null)
            {
                await results.MigrateAsync(cancellationToken);
            }

            await app.Services.GetRequiredService<ProbeHealthTracker>().InitializeAsync(cancellationToken);
            await app.Services.GetRequiredService<MaintenanceWindows>().InitializeAsync(cancellationToken);
            return new ProbeHost(app, scratch, sandbox, results);
        }
        catch
        {
            await app.DisposeAsync();
            DeleteScratch(scratch);
            throw;
        }
    }

    public ProbeCatalog Catalog => Services.GetRequiredService<ProbeCatalog>();

    public async ValueTask DisposeAsync()
    {
        // What the configured store could not take yet (a full disk) is written now if it can be.
        if (_results is not null)
        {
            if (!await _results.FlushAsync(CancellationToken.None))
            {
                _app.Services.GetRequiredService<ILogger<ProbeHost>>().LogError("{Pending} writes of these runs could not be stored in {Location}: {Error}",
                    _results.Health.Pending, _results.Location, _results.Health.Error);
            }

            if (_results is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }

        if (_started)
        {
            await _app.StopAsync();
        }

        await _app.DisposeAsync();
        DeleteScratch(_scratch);
    }

    private static void DeleteScratch(string scratch)
    {
        StoreHostingExtensions.ReleaseFiles();
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is the system's to clean.
        }
    }
}
