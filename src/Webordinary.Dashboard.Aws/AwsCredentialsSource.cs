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
/// chain (environment, <c>AWS_PROFILE</c> shared profile, web identity, container credentials, EC2 instance
/// metadata). Every kind the SDK knows works through a profile: static keys, <c>credential_process</c>,
/// <c>role_arn</c> with <c>source_profile</c> (chained too) or <c>credential_source</c>, web identity and IAM
/// Identity Center (SSO, from the token <c>aws sso login</c> cached).
/// <para>
/// Temporary credentials are refreshed <see cref="RefreshAhead"/> before they expire. A failure is not a crash
/// and not cached for good: it becomes <see cref="Problem"/> (shown on the overview, logged once, with its inner
/// cause and the one thing to do), calls fail fast with it, and the credentials are resolved again after a
/// backoff (<see cref="RetryDelay"/>), so a fixed profile or a fresh SSO login is picked up without a restart.
/// Secrets are never logged or shown, only where the credentials came from.
/// </para>
/// </summary>
public sealed class AwsCredentialsSource : IPlatformStatus
{
    /// <summary>Temporary credentials are renewed this long before they expire (the SDK's own default for SSO is at expiry).</summary>
    public static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait between two attempts to resolve failed credentials.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    private const string GeneralAdvice =
        "Set AWS_PROFILE (or Aws:Profile) to a profile in ~/.aws/config, run `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in ECS the task role is used.";

    private readonly AwsOptions _options;
    private readonly ILogger<AwsCredentialsSource> _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Resolution? _current;
    private string? _problem;
    private string _source = "not resolved yet";
    private int _failures;
    private DateTimeOffset _retryAt;
    private bool _announced;

    public AwsCredentialsSource(IOptions<AwsOptions> options, ILogger<AwsCredentialsSource> logger, TimeProvider time)
    {
        _options = options.Value;
        _logger = logger;
        _time = time;
        Credentials = new ResolvingCredentials(this);
    }

    private enum Kind { Static, Sso, AssumeRole, WebIdentity, Process, Container, InstanceMetadata, Other }

    private sealed record Resolution(AWSCredentials Credentials, RegionEndpoint Region, string Source, Kind Kind, string Profile);

    /// <summary>Null while credentials resolve; else what is wrong, its cause, and what to do.</summary>
    public string? Problem
    {
        get
        {
            lock (_gate)
            {
                return _problem;
            }
        }
    }

    /// <summary>Where the credentials came from, e.g. "profile 'personal' (AWS_PROFILE), IAM Identity Center (SSO)" (never the keys).</summary>
    public string Source
    {
        get
        {
            lock (_gate)
            {
                return _source;
            }
        }
    }

    /// <summary>The region of every call; throws <see cref="PlatformCallException"/> while it cannot be resolved.</summary>
    public RegionEndpoint Region => Current().Region;

    /// <summary>
    /// The credentials every client signs with (the hand-written ones and the SDK's): each use asks the resolved
    /// provider, and fails with <c>CredentialsNotResolved</c> while it cannot.
    /// </summary>
    public AWSCredentials Credentials { get; }

    /// <summary>How long after the <paramref name="failures"/>-th failure in a row the credentials are resolved again: 1 s, 2 s, 4 s … 5 min.</summary>
    public static TimeSpan RetryDelay(int failures) =>
        TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Max(0, failures - 1)), MaxRetryDelay.TotalSeconds));

    /// <summary>Resolves once at start, so a missing profile or an expired SSO login shows at once; never throws.</summary>
    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await GetAsync().WaitAsync(_options.CallTimeout, _time, cancellationToken);
            return null;
        }
        catch (PlatformCallException)
        {
            return Problem;
        }
        catch (TimeoutException)
        {
            var problem = $"AWS credentials from {Source} did not resolve within {_options.CallTimeout.TotalSeconds:0.#} s (Aws:CallTimeout); the next call tries again.";
            _logger.LogWarning("{Problem}", problem);
            return problem;
        }
    }

    internal async Task<ImmutableCredentials> GetAsync()
    {
        var current = Current();
        ImmutableCredentials credentials;
        try
        {
            credentials = await current.Credentials.GetCredentialsAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var problem = $"AWS credentials from {current.Source} could not be obtained: {Causes(exception)}. {Advice(current)}";
            lock (_gate)
            {
                // Built again next time: a fixed profile file or a new SSO token is read afresh.
                if (ReferenceEquals(_current, current))
                {
                    _current = null;
                }

                Failed(problem);
            }

            throw NotResolved(problem, exception);
        }

        lock (_gate)
        {
            var recovered = _problem is not null;
            _problem = null;
            _failures = 0;
            if (recovered || !_announced)
            {
                _announced = true;
                _logger.LogInformation("AWS credentials from {Source}, region {Region}{Recovered}", current.Source, current.Region.SystemName,
                    recovered ? " (resolved again)" : "");
            }
        }

        return credentials;
    }

    private Resolution Current()
    {
        lock (_gate)
        {
            if (_current is not null)
            {
                return _current;
            }

            if (_problem is not null && _time.GetUtcNow() < _retryAt)
            {
                throw NotResolved(_problem, null);
            }

            try
            {
                _current = Build();
                _source = _current.Source;
                return _current;
            }
            catch (ResolutionException exception)
            {
                Failed(exception.Message);
                throw NotResolved(exception.Message, exception.InnerException);
            }
        }
    }

    /// <summary>Records a failure (under the lock): logged when it is new, retried after the backoff.</summary>
    private void Failed(string problem)
    {
        _failures++;
        _retryAt = _time.GetUtcNow() + RetryDelay(_failures);
        if (problem != _problem)
        {
            _logger.LogError("{Problem} (retried in {Delay} s)", problem, RetryDelay(_failures).TotalSeconds);
        }

        _problem = problem;
    }

    private static PlatformCallException NotResolved(string problem, Exception? cause) =>
        new("aws", "Credentials", "CredentialsNotResolved", problem, null, null, cause);

    private Resolution Build()
    {
        AWSCredentials credentials;
        string source;
        string profileName;
        string? profileRegion = null;
        try
        {
            var environmentProfile = AwsSharedConfig.FirstNonEmpty(Environment.GetEnvironmentVariable("AWS_PROFILE"));
            // AWS_SHARED_CREDENTIALS_FILE is read now: the SDK's default chain remembers the path it saw first.
            var profiles = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } file
                ? new CredentialProfileStoreChain(file)
                : new CredentialProfileStoreChain();
            if (!string.IsNullOrWhiteSpace(_options.Profile))
            {
                profileName = _options.Profile;
                source = $"profile '{profileName}' (Aws:Profile)";
                (credentials, profileRegion) = FromProfile(profiles, profileName, "Aws:Profile");
            }
            else if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"))
                && (environmentProfile is not null || profiles.TryGetProfile(SharedCredentialsFile.DefaultProfileName, out _)))
            {
                // The default chain's profile step, done here so that a profile that fails (an SSO login that expired)
                // is reported as that profile's problem rather than as "no credentials found".
                profileName = environmentProfile ?? SharedCredentialsFile.DefaultProfileName;
                source = $"profile '{profileName}'{(environmentProfile is null ? "" : " (AWS_PROFILE)")}";
                (credentials, profileRegion) = FromProfile(profiles, profileName, "AWS_PROFILE");
            }
            else
            {
                profileName = SharedCredentialsFile.DefaultProfileName;
                // A resolver of our own (not the SDK's shared one): its answer belongs to this configuration.
                credentials = new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null);
                source = DescribeDefaultSource(credentials, profileName);
            }
        }
        catch (ResolutionException)
        {
            throw;
        }
        catch (Exception exception)
        {
            throw new ResolutionException($"No AWS credentials found: {Causes(exception)}. {GeneralAdvice}", exception);
        }

        var kind = KindOf(credentials);
        source += $", {Describe(kind)}";
        if (credentials is RefreshingAWSCredentials refreshing && refreshing.PreemptExpiryTime < RefreshAhead)
        {
            refreshing.PreemptExpiryTime = RefreshAhead;
        }

        if (credentials is SSOAWSCredentials { Options: { } sso })
        {
            // A server cannot show a device-code login: only the token `aws sso login` cached is used.
            sso.SupportsGettingNewToken = false;
        }

        var regionName = AwsSharedConfig.FirstNonEmpty(_options.Region, Environment.GetEnvironmentVariable("AWS_REGION"),
            Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"), profileRegion, TryFallbackRegion());
        if (regionName is null)
        {
            throw new ResolutionException("No AWS region: set Aws:Region (or AWS_REGION), or give the profile a region in ~/.aws/config.", null);
        }

        return new Resolution(credentials, RegionEndpoint.GetBySystemName(regionName), source, kind, profileName);
    }

    private static (AWSCredentials Credentials, string? Region) FromProfile(CredentialProfileStoreChain profiles, string name, string setting)
    {
        if (!profiles.TryGetProfile(name, out var profile))
        {
            throw new ResolutionException(
                $"{setting} '{name}' was not found in the shared credentials or config file (~/.aws/credentials, ~/.aws/config, or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE). {GeneralAdvice}", null);
        }

        if (!profiles.TryGetAWSCredentials(name, out var credentials))
        {
            throw new ResolutionException(
                $"{setting} '{name}' has no complete credential settings (keys, role_arn with source_profile or credential_source, web_identity_token_file, credential_process or sso_*). {GeneralAdvice}", null);
        }

        return (credentials, profile.Region?.SystemName);
    }

    private static Kind KindOf(AWSCredentials credentials) => credentials switch
    {
        SSOAWSCredentials => Kind.Sso,
        AssumeRoleWithWebIdentityCredentials => Kind.WebIdentity,
        AssumeRoleAWSCredentials => Kind.AssumeRole,
        ProcessAWSCredentials => Kind.Process,
        GenericContainerCredentials => Kind.Container,
        InstanceProfileAWSCredentials => Kind.InstanceMetadata,
        BasicAWSCredentials or SessionAWSCredentials or EnvironmentVariablesAWSCredentials => Kind.Static,
        _ when credentials.GetType().Name.Contains("InstanceProfile", StringComparison.Ordinal) => Kind.InstanceMetadata,
        _ => Kind.Other,
    };

    private static string Describe(Kind kind) => kind switch
    {
        Kind.Sso => "IAM Identity Center (SSO)",
        Kind.AssumeRole => "assumed role",
        Kind.WebIdentity => "web identity",
        Kind.Process => "credential_process",
        Kind.Container => "container credentials",
        Kind.InstanceMetadata => "EC2 instance metadata",
        Kind.Static => "access keys",
        _ => "SDK credentials",
    };

    /// <summary>The one thing to do about a failure of this kind of credentials.</summary>
    private static string Advice(Resolution resolution) => resolution.Kind switch
    {
        Kind.Sso => $"Run `aws sso login --profile {resolution.Profile}`.",
        Kind.AssumeRole => $"Check profile '{resolution.Profile}': its role_arn must exist and trust the credentials of its source_profile (or credential_source), which must work themselves.",
        Kind.WebIdentity => "Check the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE or web_identity_token_file): it must be readable and current, and the role (AWS_ROLE_ARN or role_arn) must trust its issuer.",
        Kind.Process => $"Check the credential_process command of profile '{resolution.Profile}': run it yourself; it must exit 0 and print the credentials JSON (\"Version\": 1).",
        Kind.Container => "Check the task role and AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / AWS_CONTAINER_CREDENTIALS_FULL_URI.",
        Kind.InstanceMetadata => "Check that the instance has an instance profile (role) and that its metadata service is reachable.",
        Kind.Static => "Check the access key id and secret access key (or session token): they may be wrong, deactivated or expired.",
        _ => GeneralAdvice,
    };

    /// <summary>The message and every inner cause, without repeats ("a: b: c").</summary>
    private static string Causes(Exception exception)
    {
        var parts = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = current.Message.Trim().TrimEnd('.');
            if (message.Length > 0 && !parts.Any(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }

        return string.Join(": ", parts);
    }

    private static string DescribeDefaultSource(AWSCredentials credentials, string profileName) => credentials switch
    {
        EnvironmentVariablesAWSCredentials => "environment variables (AWS_ACCESS_KEY_ID)",
        AssumeRoleWithWebIdentityCredentials when !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_WEB_IDENTITY_TOKEN_FILE")) =>
            "environment variables (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)",
        GenericContainerCredentials => "container credentials (AWS_CONTAINER_CREDENTIALS_*)",
        _ when KindOf(credentials) == Kind.InstanceMetadata => "instance metadata",
        _ => $"profile '{profileName}'",
    };

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

    private sealed class ResolutionException(string message, Exception? inner) : Exception(message, inner);

    /// <summary>What the signers and the SDK's clients hold: every use goes through the source, which resolves (again) as needed.</summary>
    private sealed class ResolvingCredentials(AwsCredentialsSource source) : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() => source.GetAsync().GetAwaiter().GetResult();

        public override Task<ImmutableCredentials> GetCredentialsAsync() => source.GetAsync();
    }
}
