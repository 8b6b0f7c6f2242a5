using Microsoft.Extensions.Options;
using Quartz;

namespace Webordinary.Dashboard.Probes.Scaling;

/// <summary><c>Scaling</c> section: which services may be scaled from the dashboard, how far, and on what schedule.</summary>
public sealed class ScalingOptions
{
    public const string SectionName = "Scaling";

    /// <summary>The allow-list: only these services can be scaled, each up to its maximum.</summary>
    public Dictionary<string, ScalableService> Services { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often the watched services (<c>Aws:Service</c> and the allow-listed ones) are read from ECS.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the services that are changing (starting, stopping, a change in flight) are read.</summary>
    public TimeSpan RolloutPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the whole cluster is read (every service, 10 to a DescribeServices call).</summary>
    public TimeSpan ClusterPollInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A rollout not steady after this long is recorded as timed out.</summary>
    public TimeSpan RolloutTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Scheduled scaling (cost saver), by name.</summary>
    public Dictionary<string, ScaleSchedule> Schedules { get; set; } = new(StringComparer.Ordinal);
}

public sealed class ScalableService
{
    public int MaxDesiredCount { get; set; } = 1;
}

public sealed class ScaleSchedule
{
    public string Service { get; set; } = "";

    /// <summary>Quartz cron, e.g. <c>0 0 20 ? * MON-FRI</c> (20:00 on weekdays).</summary>
    public string Cron { get; set; } = "";

    public int DesiredCount { get; set; }

    /// <summary>IANA time zone of the cron; UTC when empty.</summary>
    public string? TimeZone { get; set; }

    /// <summary>
    /// False: listed, never fired (the shipped schedules are examples: a dashboard pointed at a real account must not
    /// park production on its first evening). True when omitted, so a team's own schedule works as written.
    /// </summary>
    public bool Enabled { get; set; } = true;
}

internal sealed class ScalingOptionsValidator : IValidateOptions<ScalingOptions>
{
    public ValidateOptionsResult Validate(string? name, ScalingOptions options)
    {
        const string root = ScalingOptions.SectionName;
        var errors = new List<string>();
        foreach (var (service, settings) in options.Services)
        {
            if (settings.MaxDesiredCount is < 0 or > 100)
            {
                errors.Add($"{root}:Services:{service}:MaxDesiredCount must be between 0 and 100 (got {settings.MaxDesiredCount}).");
            }
        }

        if (options.PollInterval < TimeSpan.FromSeconds(1) || options.RolloutPollInterval < TimeSpan.FromMilliseconds(100))
        {
            errors.Add($"{root}:PollInterval must be at least 1 s and {root}:RolloutPollInterval at least 100 ms.");
        }

        if (options.ClusterPollInterval < options.PollInterval)
        {
            errors.Add($"{root}:ClusterPollInterval ({options.ClusterPollInterval}) must be at least {root}:PollInterval ({options.PollInterval}).");
        }

        if (options.RolloutTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{root}:RolloutTimeout must be positive.");
        }

        foreach (var (schedule, settings) in options.Schedules)
        {
            var key = $"{root}:Schedules:{schedule}";
            if (!options.Services.TryGetValue(settings.Service, out var allowed))
            {
                errors.Add($"{key}:Service '{settings.Service}' is not in {root}:Services (the allow-list).");
            }
            else if (settings.DesiredCount < 0 || settings.DesiredCount > allowed.MaxDesiredCount)
            {
                errors.Add($"{key}:DesiredCount must be between 0 and {allowed.MaxDesiredCount} ({root}:Services:{settings.Service}:MaxDesiredCount).");
            }

            if (!CronExpression.TryParse(settings.Cron, out _))
            {
                errors.Add($"{key}:Cron '{settings.Cron}' is not a valid Quartz cron expression (e.g. \"0 0 20 ? * MON-FRI\").");
            }

            if (!string.IsNullOrEmpty(settings.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(settings.TimeZone, out _))
            {
                errors.Add($"{key}:TimeZone '{settings.TimeZone}' is not a known time zone (e.g. \"Europe/Berlin\").");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
