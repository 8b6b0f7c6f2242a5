using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Probes.Scaling;

public static class ScalingHostingExtensions
{
    /// <summary>Scale controls: the services monitor, the guarded scaler, scale schedules and the audit log.</summary>
    public static IHostApplicationBuilder AddScaling(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ScalingOptions>().Bind(builder.Configuration.GetSection(ScalingOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScalingOptions>, ScalingOptionsValidator>();
        services.AddSingleton<Audit.AuditLog>();
        services.AddSingleton<ServiceStatusFeed>();
        services.AddSingleton<ServiceScaler>();
        services.AddSingleton<ScaleSchedules>();
        services.AddChangeKind<SchedulePauseChanged>("schedule-pause-changed")
            .AddChangeKind<ServicesObserved>("services-observed")
            .AddChangeKind<ServicesRefreshRequested>("services-refresh-requested")
            .AddChangeKind<Audit.AuditLogChanged>("audit-log-changed");
        services.AddHostedService<AuditLogSetup>();
        services.AddHostedService(sp => sp.GetRequiredService<ScaleSchedules>());
        services.AddSingleton<ServiceMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<ServiceMonitor>());
        return builder;
    }

    /// <summary>Closes scale entries a previous process left in progress, before anything new is recorded.</summary>
    private sealed class AuditLogSetup(Audit.AuditLog audit) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => audit.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
