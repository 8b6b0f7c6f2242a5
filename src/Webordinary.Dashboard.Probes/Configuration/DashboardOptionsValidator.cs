using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Quartz;

namespace Webordinary.Dashboard.Probes.Configuration;

/// <summary>
/// Checks the probe configuration at start. Every message names the configuration key to fix, e.g.
/// <c>Dashboard:Probes:ecs:Interval</c>, because that is what the operator edits.
/// </summary>
internal sealed class DashboardOptionsValidator(ProbeKindRegistry kinds, IConfiguration configuration) : IValidateOptions<DashboardOptions>
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(1);

    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        var errors = new List<string>();
        const string root = DashboardOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add($"{root}:DataDirectory must name a directory.");
        }

        if (options.TempDirectory is { } temp && !Path.IsPathFullyQualified(temp))
        {
            errors.Add($"{root}:TempDirectory must be an absolute path such as /tmp (got '{temp}').");
        }

        if (options.RunNowCooldown < TimeSpan.Zero)
        {
            errors.Add($"{root}:RunNowCooldown must not be negative (got {options.RunNowCooldown}).");
        }

        if (!string.IsNullOrEmpty(options.PublicUrl) && !IsHttpUrl(options.PublicUrl, originOnly: false))
        {
            errors.Add($"{root}:PublicUrl must be an absolute http(s) URL such as https://dashboard.example.com (got '{options.PublicUrl}').");
        }

        for (var i = 0; i < options.TrustedOrigins.Count; i++)
        {
            if (!IsHttpUrl(options.TrustedOrigins[i], originOnly: true))
            {
                errors.Add($"{root}:TrustedOrigins:{i} must be an origin such as https://wallboard.example.com (scheme, host and port only; got '{options.TrustedOrigins[i]}').");
            }
        }

        // The binder drops a dictionary entry it cannot convert instead of failing; bind each probe on its own to
        // surface the conversion error with its key.
        foreach (var section in configuration.GetSection($"{root}:Probes").GetChildren())
        {
            try
            {
                section.Get<ProbeSettings>();
            }
            catch (InvalidOperationException exception)
            {
                errors.Add(exception.InnerException is { } inner ? $"{exception.Message} {inner.Message}" : exception.Message);
            }
        }

        foreach (var (id, probe) in options.Probes)
        {
            var key = $"{root}:Probes:{id}";
            if (!ProbeIdFormat.IsValid(id))
            {
                errors.Add($"{key}: probe id '{id}' may contain only letters, digits, '-' and '_' (at most 64).");
            }

            if (string.IsNullOrWhiteSpace(probe.Kind))
            {
                errors.Add($"{key}:Kind is required. Known kinds: {string.Join(", ", kinds.Names)}.");
            }
            else if (!kinds.Contains(probe.Kind))
            {
                errors.Add($"{key}:Kind '{probe.Kind}' is not a known probe kind. Known kinds: {string.Join(", ", kinds.Names)}.");
            }

            var hasCron = !string.IsNullOrWhiteSpace(probe.Cron);
            if (hasCron == probe.Interval.HasValue)
            {
                errors.Add($"{key}: set exactly one of {key}:Interval (e.g. \"00:00:30\") or {key}:Cron (Quartz cron, e.g. \"0 0/5 * * * ?\").");
            }

            if (probe.Interval is { } interval && interval < MinimumInterval)
            {
                errors.Add($"{key}:Interval must be at least {MinimumInterval.TotalSeconds:0} s (got {interval}).");
            }

            if (hasCron && !CronExpression.TryParse(probe.Cron!, out _))
            {
                errors.Add($"{key}:Cron '{probe.Cron}' is not a valid Quartz cron expression (seconds minutes hours day-of-month month day-of-week, e.g. \"0 0/5 * * * ?\").");
            }

            if (probe.Timeout <= TimeSpan.Zero || probe.Timeout > TimeSpan.FromMinutes(30))
            {
                errors.Add($"{key}:Timeout must be between 00:00:00.001 and 00:30:00 (got {probe.Timeout}).");
            }

            if (probe.FailuresToDown is < 1 or > 20 || probe.PassesToUp is < 1 or > 20)
            {
                errors.Add($"{key}:FailuresToDown and {key}:PassesToUp must be between 1 and 20.");
            }

            if (string.Equals(probe.Kind, Connectivity.HttpProbe.KindName, StringComparison.OrdinalIgnoreCase))
            {
                if (!Connectivity.HttpProbe.IsValidUrl(configuration[$"{key}:Url"]))
                {
                    errors.Add($"{key}:Url must be an absolute http(s) URL for an {Connectivity.HttpProbe.KindName} probe (got '{configuration[$"{key}:Url"]}').");
                }

                if (configuration[$"{key}:ExpectedStatus"] is { } expected && !(int.TryParse(expected, out var status) && status is >= 100 and <= 599))
                {
                    errors.Add($"{key}:ExpectedStatus must be an HTTP status code, 100 to 599 (got '{expected}').");
                }
            }

            if (probe.SlowThreshold is { } slow && (slow <= TimeSpan.Zero || slow >= probe.Timeout))
            {
                errors.Add($"{key}:SlowThreshold must be positive and below {key}:Timeout (got {slow}).");
            }

            if (probe.RecoveryInterval < MinimumInterval || probe.RecoveryInterval > TimeSpan.FromHours(1))
            {
                errors.Add($"{key}:RecoveryInterval must be between 00:00:01 and 01:00:00 (got {probe.RecoveryInterval}).");
            }

            if (probe.DependsOn is { Length: > 50 })
            {
                errors.Add($"{key}:DependsOn lists {probe.DependsOn.Length} probes; at most 50.");
            }

            if (probe.Tags is { Length: > 20 })
            {
                errors.Add($"{key}:Tags lists {probe.Tags.Length} tags; at most 20.");
            }

            foreach (var (tag, index) in (probe.Tags ?? []).Select((t, i) => (t, i)))
            {
                if (!ProbeIdFormat.IsValid(tag))
                {
                    errors.Add($"{key}:Tags:{index} '{tag}' may contain only letters, digits, '-' and '_' (1 to 64).");
                }
            }
        }

        ProbeTopology.Resolve(options.Probes, kinds, out var topologyErrors);
        errors.AddRange(topologyErrors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttpUrl(string value, bool originOnly) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && (!originOnly || (uri.AbsolutePath == "/" && uri.Query.Length == 0 && !value.EndsWith('/')));
}

public static class ProbeIdFormat
{
    public static bool IsValid(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
