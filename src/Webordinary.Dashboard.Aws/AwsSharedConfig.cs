using System.Globalization;

namespace Webordinary.Dashboard.Aws;

/// <summary>
/// The non-credential settings of one profile in the shared config file (<c>AWS_CONFIG_FILE</c>, else
/// <c>~/.aws/config</c>) that the SDKs honour: endpoints (<c>endpoint_url</c> and the <c>services</c> section it
/// names), FIPS and dual-stack, <c>max_attempts</c>. Credentials are the SDK's business (AwsCredentialsSource).
/// </summary>
public sealed record AwsProfileSettings(
    string Name,
    string? EndpointUrl,
    IReadOnlyDictionary<string, string> ServiceEndpoints,
    bool? UseFips,
    bool? UseDualStack,
    int? MaxAttempts,
    bool? IgnoreConfiguredEndpointUrls)
{
    public static AwsProfileSettings Empty(string name) => new(name, null, new Dictionary<string, string>(), null, null, null, null);
}

public static class AwsSharedConfig
{
    /// <summary>The profile the dashboard uses: <c>Aws:Profile</c>, else <c>AWS_PROFILE</c>, else <c>default</c>.</summary>
    public static string ProfileName(string? configured, Func<string, string?> environment) =>
        FirstNonEmpty(configured, environment("AWS_PROFILE"), environment("AWS_DEFAULT_PROFILE")) ?? "default";

    public static string ConfigFilePath(Func<string, string?> environment) =>
        FirstNonEmpty(environment("AWS_CONFIG_FILE"))
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "config");

    /// <summary>The profile's settings; an absent file or profile has none (the SDK's defaults apply).</summary>
    public static AwsProfileSettings Read(string profile, Func<string, string?> environment)
    {
        var path = ConfigFilePath(environment);
        if (!File.Exists(path))
        {
            return AwsProfileSettings.Empty(profile);
        }

        Dictionary<string, Dictionary<string, string>> sections;
        try
        {
            sections = Parse(File.ReadAllLines(path));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Unreadable: the SDK's credential chain meets the same file and reports it; endpoints fall back to the region's.
            return AwsProfileSettings.Empty(profile);
        }

        if (!sections.TryGetValue(profile == "default" ? "default" : $"profile {profile}", out var settings)
            && !sections.TryGetValue(profile, out settings))
        {
            return AwsProfileSettings.Empty(profile);
        }

        var services = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (settings.TryGetValue("services", out var servicesName) && sections.TryGetValue($"services {servicesName}", out var section))
        {
            foreach (var (key, value) in section)
            {
                // "ecs.endpoint_url": the nested form of "ecs =\n  endpoint_url = …".
                if (key.EndsWith(".endpoint_url", StringComparison.OrdinalIgnoreCase))
                {
                    services[key[..^".endpoint_url".Length]] = value;
                }
            }
        }

        return new AwsProfileSettings(profile, settings.GetValueOrDefault("endpoint_url"), services,
            Bool(settings, "use_fips_endpoint"), Bool(settings, "use_dualstack_endpoint"),
            int.TryParse(settings.GetValueOrDefault("max_attempts"), NumberStyles.None, CultureInfo.InvariantCulture, out var attempts) ? attempts : null,
            Bool(settings, "ignore_configured_endpoint_urls"));
    }

    /// <summary>INI as the AWS CLI writes it: <c>[section]</c>, <c>key = value</c>, and indented <c>sub = value</c> lines under an empty key.</summary>
    private static Dictionary<string, Dictionary<string, string>> Parse(IEnumerable<string> lines)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        string? parent = null;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
            {
                continue;
            }

            if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
            {
                var name = string.Join(' ', trimmed[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                current = sections.TryGetValue(name, out var existing) ? existing : sections[name] = new(StringComparer.OrdinalIgnoreCase);
                parent = null;
                continue;
            }

            var equals = trimmed.IndexOf('=');
            if (current is null || equals <= 0)
            {
                continue;
            }

            var key = trimmed[..equals].Trim();
            var value = trimmed[(equals + 1)..].Trim();
            var indented = line.Length > trimmed.Length;
            if (indented && parent is not null)
            {
                current[$"{parent}.{key}"] = value;
            }
            else if (value.Length == 0)
            {
                parent = key;
            }
            else
            {
                current[key] = value;
                parent = null;
            }
        }

        return sections;
    }

    private static bool? Bool(Dictionary<string, string> settings, string key) =>
        bool.TryParse(settings.GetValueOrDefault(key), out var value) ? value : null;

    internal static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
