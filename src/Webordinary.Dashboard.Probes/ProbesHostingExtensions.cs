using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Running;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Probes.Sessions;
using Webordinary.Dashboard.Probes.Store;

namespace Webordinary.Dashboard.Probes;

public static class ProbesHostingExtensions
{
    public const string DatabaseFileName = "dashboard.db";

    /// <summary>Probes, their Quartz schedule, the SQLite results store and the live feed.</summary>
    public static IHostApplicationBuilder AddProbes(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DashboardOptions>()
            .Bind(builder.Configuration.GetSection(DashboardOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>();

        services.AddSingleton(new ProbeKindRegistry()
            .Add<EcsServiceProbe>(EcsServiceProbe.KindName)
            .Add<DynamoDbTableProbe>(DynamoDbTableProbe.KindName)
            .Add<CloudWatchHeartbeatProbe>(CloudWatchHeartbeatProbe.KindName)
            .Add<AlbTargetHealthProbe>(AlbTargetHealthProbe.KindName)
            .Add<HermesHealthProbe>(HermesHealthProbe.KindName)
            .Add<EfsFileSystemProbe>(EfsFileSystemProbe.KindName)
            .Add<SecurityGroupsProbe>(SecurityGroupsProbe.KindName)
            .Add<ColdStartProbe>(ColdStartProbe.KindName)
            .Add<PersistenceProbe>(PersistenceProbe.KindName)
            .Add<ConcurrentSessionsProbe>(ConcurrentSessionsProbe.KindName)
            .Add<RoutingProbe>(RoutingProbe.KindName)
            .Add<SessionJanitorProbe>(SessionJanitorProbe.KindName));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DashboardOptions>>().Value;
            var directory = Path.Combine(builder.Environment.ContentRootPath, options.DataDirectory);
            return new SqliteDatabase(Path.Combine(directory, DatabaseFileName), sp.GetRequiredService<ILogger<SqliteDatabase>>());
        });
        services.AddSingleton<IResultsStore, SqliteResultsStore>();
        services.AddSingleton<ProbeStatusFeed>();
        services.AddSingleton<ProbeRunner>();
        services.AddSingleton<Health.IncidentStore>();
        services.AddSingleton<Health.ProbeHealthTracker>();
        services.AddSingleton<ProbeCatalog>();
        services.AddSingleton<IProbeTriggers, ProbeTriggers>();
        services.AddSingleton<ParkedServiceCheck>();
        services.AddSingleton<SessionRows>();
        services.AddSingleton<SessionFlow>();
        services.AddHttpClient(HermesHealthProbe.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);

        // Set up before Quartz starts, so the store is migrated before the first job fires.
        services.AddHostedService<ProbeScheduleSetup>();
        var probeCount = builder.Configuration.GetSection($"{DashboardOptions.SectionName}:Probes").GetChildren().Count();
        services.AddQuartz(quartz =>
        {
            // Probes spend their time waiting on the network, so one thread each costs little and keeps them apart.
            quartz.UseDefaultThreadPool(pool => pool.MaxConcurrency = Math.Max(10, probeCount + 4));
        });
        // Running probes are cancelled by ApplicationStopping (see ProbeJob) and then waited for, so every run is closed.
        services.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        return builder;
    }
}
