using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quartz;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Probes.Running;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Probes.Sessions;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Probes;

public static class ProbesHostingExtensions
{
    /// <summary>Probes, their Quartz schedule and the live feed (the store they write to: <c>AddStore</c>).</summary>
    public static IHostApplicationBuilder AddProbes(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DashboardOptions>()
            .Bind(builder.Configuration.GetSection(DashboardOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>();
        services.AddOptions<MaintenanceOptions>()
            .Bind(builder.Configuration.GetSection(MaintenanceOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MaintenanceOptions>, MaintenanceOptionsValidator>();

        // The platform's default topology: what each kind checks and which kinds it needs working. Hermes answers
        // through the ALB, whose targets are the ECS service's tasks; the session flows need Hermes and the session
        // table; the janitor works on the table.
        services.AddSingleton(new ProbeKindRegistry()
            .Add<EcsServiceProbe>(EcsServiceProbe.KindName, PlatformComponent.Ecs)
            .Add<DynamoDbTableProbe>(DynamoDbTableProbe.KindName, PlatformComponent.DynamoDb)
            .Add<CloudWatchHeartbeatProbe>(CloudWatchHeartbeatProbe.KindName, PlatformComponent.CloudWatch)
            .Add<AlbTargetHealthProbe>(AlbTargetHealthProbe.KindName, PlatformComponent.Alb, EcsServiceProbe.KindName)
            .Add<HermesHealthProbe>(HermesHealthProbe.KindName, PlatformComponent.Hermes, AlbTargetHealthProbe.KindName)
            .Add<EfsFileSystemProbe>(EfsFileSystemProbe.KindName, PlatformComponent.Efs)
            .Add<SecurityGroupsProbe>(SecurityGroupsProbe.KindName, PlatformComponent.Ec2)
            .Add<ColdStartProbe>(ColdStartProbe.KindName, PlatformComponent.Hermes, HermesHealthProbe.KindName, DynamoDbTableProbe.KindName)
            .Add<PersistenceProbe>(PersistenceProbe.KindName, PlatformComponent.Hermes, HermesHealthProbe.KindName, DynamoDbTableProbe.KindName)
            .Add<ConcurrentSessionsProbe>(ConcurrentSessionsProbe.KindName, PlatformComponent.Hermes, HermesHealthProbe.KindName, DynamoDbTableProbe.KindName)
            .Add<RoutingProbe>(RoutingProbe.KindName, PlatformComponent.Hermes, HermesHealthProbe.KindName, DynamoDbTableProbe.KindName)
            .Add<SessionJanitorProbe>(SessionJanitorProbe.KindName, PlatformComponent.DynamoDb, DynamoDbTableProbe.KindName)
            .Add<HttpProbe>(HttpProbe.KindName, component: null));

        services.TryAddSingleton(TimeProvider.System);
        services.AddChangeFeed()
            .AddChangeKind<RunStartedEvent>("run-started")
            .AddChangeKind<StepCompletedEvent>("step-completed")
            .AddChangeKind<RunCompletedEvent>("run-completed")
            .AddChangeKind<MaintenanceWindowAdded>("maintenance-window-added")
            .AddChangeKind<MaintenanceWindowEnded>("maintenance-window-ended");
        services.AddSingleton<ProbeStatusFeed>();
        services.AddSingleton<ProbeRunner>();
        services.AddSingleton<Health.ProbeHealthTracker>();
        services.AddSingleton<MaintenanceWindows>();
        services.AddSingleton<Scaling.PlannedWork>();
        services.AddSingleton<ProbeCatalog>();
        services.AddSingleton<IProbeTriggers, ProbeTriggers>();
        services.AddSingleton<ParkedServiceCheck>();
        services.AddSingleton<SessionRows>();
        services.AddSingleton<SessionFlow>();
        // A probe records each request as a step of its run: the factory's log scope and lines per request add nothing.
        services.AddHttpClient(HermesHealthProbe.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan).RemoveAllLoggers();

        // Set up before Quartz starts, so the store is migrated before the first job fires.
        services.AddHostedService<ProbeScheduleSetup>();
        var probeCount = builder.Configuration.GetSection($"{DashboardOptions.SectionName}:Probes").GetChildren().Count();
        services.AddQuartz(quartz =>
        {
            // Probes spend their time waiting on the network, so one thread each costs little and keeps them apart.
            var threads = Math.Max(10, probeCount + 4);
            quartz.UseDefaultThreadPool(pool => pool.MaxConcurrency = threads);
            // Many probes on short intervals fire every few milliseconds: taking the triggers due within 50 ms in one
            // round (firing them up to that early) halves the scheduler's CPU at 500 probes (README, Performance).
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.MaxBatchSize = Math.Min(16, threads);
                scheduler.BatchTriggerAcquisitionFireAheadTimeWindow = TimeSpan.FromMilliseconds(50);
            });
        });
        // Running probes are cancelled by ApplicationStopping (see ProbeJob) and then waited for, so every run is closed.
        services.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        return builder;
    }
}
