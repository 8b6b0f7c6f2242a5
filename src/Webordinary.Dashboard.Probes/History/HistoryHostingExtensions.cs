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
        builder.Services.AddQuartz(quartz => quartz
            .AddJob<HistoryCompactionJob>(job => job.WithIdentity(HistoryCompactionJob.Key).StoreDurably())
            .AddTrigger(trigger => trigger.ForJob(HistoryCompactionJob.Key).WithIdentity("history-compaction", "maintenance")
                .StartAt(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30))
                .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))));
        return builder;
    }
}
