using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>
/// Where the AWS clients get their region and credentials: <c>Aws:Profile</c> when set, else the SDK's default
/// chain (environment, <c>AWS_PROFILE</c> shared profile, SSO, container credentials, EC2 instance metadata).
/// A failure is not a crash: it becomes <see cref="Problem"/> (shown on the overview, logged once) and every call
/// fails with it until it is fixed. Secrets are never logged or shown; only where they came from.
/// </summary>
public sealed class AwsCredentialsSource(IOptions<AwsOptions> options, ILogger<AwsCredentialsSource> logger) : IPlatformStatus
{
    private readonly Lock _gate = new();
    private Resolved? _resolved;

    private sealed record Resolved(AWSCredentials? Credentials, RegionEndpoint? Region, string? Problem, string Source);

    public string? Problem => Resolve().Problem;

    /// <summary>Where the credentials came from, e.g. "profile 'personal'" (never the keys).</summary>
    public string Source => Resolve().Source;

    public RegionEndpoint Region => Resolve().Region ?? throw NotReady();

    public AWSCredentials Credentials => Resolve().Credentials ?? throw NotReady();

    /// <summary>Resolves once (and checks the credentials can actually be produced, so container/IMDS/SSO failures show at start).</summary>
    public async Task<string?> CheckAsync()
    {
        var resolved = Resolve();
        if (resolved.Problem is not null || resolved.Credentials is null)
        {
            return resolved.Problem;
        }

        try
        {
            await resolved.Credentials.GetCredentialsAsync();
            logger.LogInformation("AWS credentials from {Source}, region {Region}", resolved.Source, resolved.Region?.SystemName);
            return null;
        }
        catch (Exception exception)
        {
            var problem = $"AWS credentials from {resolved.Source} could not be obtained: {exception.Message} {Advice}";
            lock (_gate)
            {
                _resolved = resolved with { Credentials = null, Problem = problem };
            }

            logger.LogError("{Problem}", problem);
            return problem;
        }
    }

    private const string Advice =
        "Set AWS_PROFILE (or Aws:Profile) to a profile in ~/.aws/config, run `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in ECS the task role is used.";

    private Exception NotReady() => new PlatformCallException("aws", "Credentials", "CredentialsNotResolved", Problem ?? "AWS is not configured.");

    private Resolved Resolve()
    {
        lock (_gate)
        {
            if (_resolved is not null)
            {
                return _resolved;
            }

            _resolved = ResolveOnce(options.Value);
            if (_resolved.Problem is { } problem)
            {
                logger.LogError("{Problem}", problem);
            }

            return _resolved;
        }
    }

    private static Resolved ResolveOnce(AwsOptions aws)
    {
        AWSCredentials? credentials;
        string source;
        string? profileRegion = null;
        if (!string.IsNullOrWhiteSpace(aws.Profile))
        {
            // Read AWS_SHARED_CREDENTIALS_FILE now: the SDK's default chain remembers the path it saw first.
            var chain = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } file
                ? new CredentialProfileStoreChain(file)
                : new CredentialProfileStoreChain();
            source = $"profile '{aws.Profile}' (Aws:Profile)";
            if (!chain.TryGetProfile(aws.Profile, out var profile) || !chain.TryGetAWSCredentials(aws.Profile, out credentials))
            {
                return new Resolved(null, null,
                    $"Aws:Profile '{aws.Profile}' was not found in the shared credentials or config file (~/.aws/credentials, ~/.aws/config, or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE). {Advice}", source);
            }

            profileRegion = profile.Region?.SystemName;
        }
        else
        {
            try
            {
                // A resolver of our own (not the SDK's shared one): its answer belongs to this configuration.
                credentials = new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null);
                source = DescribeDefaultSource();
            }
            catch (Exception exception)
            {
                return new Resolved(null, null, $"No AWS credentials found. {exception.Message} {Advice}", "the default credential chain");
            }
        }

        var regionName = FirstNonEmpty(aws.Region, Environment.GetEnvironmentVariable("AWS_REGION"),
            Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"), profileRegion, TryFallbackRegion());
        if (regionName is null)
        {
            return new Resolved(credentials, null,
                "No AWS region: set Aws:Region (or AWS_REGION), or give the profile a region in ~/.aws/config.", source);
        }

        return new Resolved(credentials, RegionEndpoint.GetBySystemName(regionName), null, source);
    }

    private static string DescribeDefaultSource()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")))
        {
            return "environment variables (AWS_ACCESS_KEY_ID)";
        }

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")))
        {
            return "container credentials (AWS_CONTAINER_CREDENTIALS_*)";
        }

        return $"profile '{DefaultAWSCredentialsIdentityResolver.GetProfileName()}' or instance metadata";
    }

    private static string? TryFallbackRegion()
    {
        try
        {
            return FallbackRegionFactory.GetRegionEndpoint()?.SystemName;
        }
        catch (AmazonClientException)
        {
            return null;
        }
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
