using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <param name="Configured">True when a setting named the URL (kept as given); false for the region's own endpoint.</param>
/// <param name="Source">Where it came from: <c>Aws:Endpoints:Ecs</c>, <c>AWS_ENDPOINT_URL_ECS</c>, <c>profile 'x' services</c>, <c>aws partition</c>…</param>
public sealed record AwsEndpoint(Uri Url, bool Configured, string Source);

/// <summary>
/// Where each service is reached, the same for the hand-written clients and the SDK's: an explicit setting
/// (<c>Aws:Endpoints:{Service}</c>, then <c>Aws:ServiceUrl</c>) as given, then the SDK's configured endpoints
/// (<c>AWS_ENDPOINT_URL_{SERVICE}</c>, the profile's <c>services</c> section, <c>AWS_ENDPOINT_URL</c>, the profile's
/// <c>endpoint_url</c>; all skipped with <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c>), else the region's endpoint in
/// its partition, FIPS and dual-stack as configured.
/// </summary>
public sealed class AwsEndpoints
{
    private readonly AwsOptions _options;
    private readonly AwsProfileSettings _profile;
    private readonly Func<string, string?> _environment;
    private readonly bool _ignoreConfigured;

    public AwsEndpoints(AwsOptions options, AwsProfileSettings profile, Func<string, string?> environment)
    {
        _options = options;
        _profile = profile;
        _environment = environment;
        _ignoreConfigured = Flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ?? profile.IgnoreConfiguredEndpointUrls ?? false;
        UseFips = options.UseFips ?? Flag("AWS_USE_FIPS_ENDPOINT") ?? profile.UseFips ?? false;
        UseDualStack = options.UseDualStack ?? Flag("AWS_USE_DUALSTACK_ENDPOINT") ?? profile.UseDualStack ?? false;
    }

    /// <summary>From the process environment and the shared config file, as the app runs.</summary>
    public static AwsEndpoints FromEnvironment(AwsOptions options) =>
        new(options, AwsSharedConfig.Read(AwsSharedConfig.ProfileName(options.Profile, Environment.GetEnvironmentVariable), Environment.GetEnvironmentVariable),
            Environment.GetEnvironmentVariable);

    public bool UseFips { get; }

    public bool UseDualStack { get; }

    /// <summary>The endpoint a setting names for the service, or null when the region decides.</summary>
    public AwsEndpoint? Configured(AwsService service)
    {
        if (_options.Endpoints.TryGetValue(service.Name, out var overridden) && !string.IsNullOrWhiteSpace(overridden))
        {
            return Named(overridden, $"Aws:Endpoints:{service.Name}");
        }

        if (!string.IsNullOrWhiteSpace(_options.ServiceUrl))
        {
            return Named(_options.ServiceUrl, "Aws:ServiceUrl");
        }

        if (_ignoreConfigured)
        {
            return null;
        }

        if (AwsSharedConfig.FirstNonEmpty(_environment(service.EndpointVariable)) is { } serviceVariable)
        {
            return Named(serviceVariable, service.EndpointVariable);
        }

        if (_profile.ServiceEndpoints.TryGetValue(service.ConfigKey, out var serviceSection) && !string.IsNullOrWhiteSpace(serviceSection))
        {
            return Named(serviceSection, $"profile '{_profile.Name}' services ({service.ConfigKey})");
        }

        if (AwsSharedConfig.FirstNonEmpty(_environment("AWS_ENDPOINT_URL")) is { } shared)
        {
            return Named(shared, "AWS_ENDPOINT_URL");
        }

        return string.IsNullOrWhiteSpace(_profile.EndpointUrl) ? null : Named(_profile.EndpointUrl, $"profile '{_profile.Name}' endpoint_url");
    }

    public AwsEndpoint For(AwsService service, string region) =>
        Configured(service) ?? new(Regional(service, region, UseFips, UseDualStack), false, $"{AwsPartitions.Of(region).Id} partition");

    /// <summary>The service's own endpoint for the region (its endpoint rule set, for the partition the region is in).</summary>
    public static Uri Regional(AwsService service, string region, bool fips, bool dualStack)
    {
        var partition = AwsPartitions.Of(region);
        var prefix = dualStack && service.DualStackPrefix is { } dualStackPrefix && service.DualStackPrefixPartitions?.Contains(partition.Id) != false
            ? dualStackPrefix
            : service.EndpointPrefix;
        var plainInGovCloud = partition.Id == "aws-us-gov" && service.GovCloudFips switch
        {
            GovCloudFips.PlainHost => !dualStack,
            GovCloudFips.PlainHostAlsoDualStack => true,
            _ => false,
        };
        var host = fips && !plainInGovCloud ? $"{prefix}-fips" : prefix;
        return new Uri($"https://{host}.{region}.{(dualStack ? partition.DualStackDnsSuffix : partition.DnsSuffix)}/");
    }

    private bool? Flag(string variable) => bool.TryParse(_environment(variable), out var value) ? value : null;

    /// <summary>A named endpoint, as given (only a trailing slash added, so relative paths resolve under it).</summary>
    private static AwsEndpoint Named(string url, string source) =>
        Uri.TryCreate(url.Trim().TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? new(uri, true, source)
            : throw new PlatformCallException("aws", "Endpoint", "InvalidEndpoint", $"{source} is not an absolute http(s) URL: '{url}'.");
}
