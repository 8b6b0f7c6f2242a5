using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace Webordinary.Dashboard.Probes.History;

public static class HistoryHostingExtensions
{
    /// <summary>Rollups, retention and uptime.</summary>
    public static IHostApplicationBuilder AddHistory(this IHostApplicationBuilder builder)
    {
        const string root = HistoryOptions.SectionName;
        builder.Services.AddOptions<HistoryOptions>()
            .Bind(builder.Configuration.GetSection(root))
            .Validate(o => o.RawRetention >= TimeSpan.FromDays(1), $"{root}:RawRetention must be at least 1 day.")
            .Validate(o => o.HourlyRetention >= o.RawRetention, $"{root}:HourlyRetention must be at least {root}:RawRetention.")
            .Validate(o => o.DailyRetention is null || o.DailyRetention >= o.HourlyRetention, $"{root}:DailyRetention must be empty (forever) or at least {root}:HourlyRetention.")
            .Validate(o => o.CompactionInterval >= TimeSpan.FromSeconds(10), $"{root}:CompactionInterval must be at least 10 s.")
            .ValidateOnStart();
        builder.Services.AddSingleton<PlatformUptime>();
        var interval = builder.Configuration.GetValue<TimeSpan?>($"{root}:CompactionInterval") is { } configured && configured >= TimeSpan.FromSeconds(10)
            ? configured
            : new HistoryOptions().CompactionInterval;
        // Scheduled by a start-up load, not by Quartz's own start: clustered, the schedule is in the store, and a server
        // unreachable at start must not stop the dashboard.
        builder.Services.AddHostedService(sp => new HistoryCompactionSchedule(
            sp.GetRequiredService<ISchedulerFactory>(), sp.GetRequiredService<Storage.StartupLoads>(), interval));
        return builder;
    }
}
