using Microsoft.Extensions.Options;
using Quartz;
using Webordinary.Dashboard.Probes.Configuration;

namespace Webordinary.Dashboard.Probes.Maintenance;

/// <summary><c>Maintenance</c> section: scheduled maintenance windows, by name.</summary>
public sealed class MaintenanceOptions
{
    public const string SectionName = "Maintenance";

    public Dictionary<string, ScheduledWindow> Windows { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// <c>Maintenance:Windows:{name}</c>: a window that opens at each fire of <see cref="Cron"/> (Quartz cron, with seconds,
/// in <see cref="TimeZone"/>) and lasts <see cref="Duration"/>, over some probes, some components, or (neither given)
/// everything.
/// </summary>
public sealed class ScheduledWindow
{
    public string Cron { get; set; } = "";

    public TimeSpan Duration { get; set; }

    /// <summary>IANA time zone of the cron; UTC when empty.</summary>
    public string? TimeZone { get; set; }

    public string Reason { get; set; } = "";

    public string[]? Probes { get; set; }

    /// <summary>ECS, ALB, Hermes, DynamoDB, CloudWatch, EFS.</summary>
    public string[]? Components { get; set; }
}

internal sealed class MaintenanceOptionsValidator(IOptions<DashboardOptions> dashboard) : IValidateOptions<MaintenanceOptions>
{
    public ValidateOptionsResult Validate(string? name, MaintenanceOptions options)
    {
        var errors = new List<string>();
        foreach (var (window, settings) in options.Windows)
        {
            var key = $"{MaintenanceOptions.SectionName}:Windows:{window}";
            if (!MaintenanceWindows.IsValidId(window))
            {
                errors.Add($"{key}: the name may contain only letters, digits, '-' and '_' (at most 64).");
            }

            if (!CronExpression.TryParse(settings.Cron, out _))
            {
                errors.Add($"{key}:Cron '{settings.Cron}' is not a valid Quartz cron expression (e.g. \"0 0 4 ? * SUN\" for 04:00 on Sundays).");
            }

            if (settings.Duration < TimeSpan.FromMinutes(1) || settings.Duration > MaintenanceWindows.MaxDuration)
            {
                errors.Add($"{key}:Duration must be between 00:01:00 and {MaintenanceWindows.MaxDuration.TotalDays:0}.00:00:00 (got {settings.Duration}).");
            }

            if (!string.IsNullOrEmpty(settings.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(settings.TimeZone, out _))
            {
                errors.Add($"{key}:TimeZone '{settings.TimeZone}' is not a known time zone (e.g. \"Europe/Berlin\").");
            }

            if (string.IsNullOrWhiteSpace(settings.Reason) || settings.Reason.Length > MaintenanceWindows.MaxReasonLength)
            {
                errors.Add($"{key}:Reason is required (at most {MaintenanceWindows.MaxReasonLength} characters): it is what the overview shows.");
            }

            foreach (var probe in settings.Probes ?? [])
            {
                if (!dashboard.Value.Probes.ContainsKey(probe))
                {
                    errors.Add($"{key}:Probes names '{probe}', which is not a configured probe (Dashboard:Probes).");
                }
            }

            foreach (var component in settings.Components ?? [])
            {
                if (!PlatformComponents.TryParse(component, out _))
                {
                    errors.Add($"{key}:Components names '{component}'. Known: {PlatformComponents.Known}.");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
