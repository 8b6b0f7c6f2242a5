using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quartz;
using Webordinary.Dashboard.Probes.Configuration;

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
        builder.Services.AddSingleton(services => SpanLimits(services.GetRequiredService<IOptions<DashboardOptions>>().Value));
        var interval = builder.Configuration.GetValue<TimeSpan?>($"{root}:CompactionInterval") is { } configured && configured >= TimeSpan.FromSeconds(10)
            ? configured
            : new HistoryOptions().CompactionInterval;
        // Scheduled by a start-up load, not by Quartz's own start: clustered, the schedule is in the store, and a server
        // unreachable at start must not stop the dashboard.
        builder.Services.AddHostedService(sp => new HistoryCompactionSchedule(
            sp.GetRequiredService<ISchedulerFactory>(), sp.GetRequiredService<Storage.StartupLoads>(), interval));
        return builder;
    }

    /// <summary>Each probe's runs hold for uptime at most its interval (or its cron's gap) + its timeout.</summary>
    internal static UptimeSpanLimits SpanLimits(DashboardOptions options) => new(options.Probes.ToDictionary(
        probe => probe.Key,
        probe => (probe.Value.Interval ?? CronGap(probe.Value.Cron) ?? UptimeSpanLimits.DefaultCap) + probe.Value.Timeout,
        StringComparer.OrdinalIgnoreCase));

    private static TimeSpan? CronGap(string? cron)
    {
        if (cron is not { Length: > 0 } || !CronExpression.TryParse(cron, out _))
        {
            return null;
        }

        var expression = new CronExpression(cron, TimeZoneInfo.Utc);
        return expression.GetNextValidTimeAfter(DateTimeOffset.UtcNow) is { } first && expression.GetNextValidTimeAfter(first) is { } second ? second - first : null;
    }
}
