using System.Collections.Frozen;
using System.Net.Sockets;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>Why a failed attempt may be tried again.</summary>
public enum AwsRetryKind
{
    /// <summary>Not retryable: a client error, or an unknown failure.</summary>
    None,

    /// <summary>One of the throttling codes, or HTTP 429.</summary>
    Throttling,

    /// <summary>One of the transient codes, HTTP 500/502/503/504, or the connection failed.</summary>
    Transient,

    /// <summary>The attempt timed out on the way (costs more of the retry quota).</summary>
    Timeout,

    /// <summary>The signature's time was off: retried once the clock is corrected from the reply's <c>Date</c>.</summary>
    ClockSkew,
}

/// <summary>
/// The AWS SDKs' standard retry mode, for every client of the dashboard (the hand-written ones through
/// <see cref="AwsTransport"/>; the SDK's own clients are set to the same mode and attempts): <see cref="MaxAttempts"/>
/// attempts in all, retrying the throttling and transient errors below, waiting <c>rand(0,1) × min(2^i, 20 s)</c>
/// before retry <c>i</c> (0 first), and only while the retry quota has tokens.
/// </summary>
public sealed class AwsRetryPolicy(int maxAttempts, Func<double>? random = null)
{
    public const int DefaultMaxAttempts = 3;

    /// <summary>botocore's and the .NET SDK's standard-mode throttling codes.</summary>
    public static readonly FrozenSet<string> ThrottlingCodes = new[]
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The standard mode's transient codes (HTTP 500/502/503/504 are transient whatever their code).</summary>
    public static readonly FrozenSet<string> TransientCodes = new[] { "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete" }
        .ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<int> TransientStatuses = new[] { 500, 502, 503, 504 }.ToFrozenSet();

    /// <summary>Errors that say the request's signing time was off (the SDK's clock-skew codes).</summary>
    public static readonly FrozenSet<string> ClockSkewCodes = new[]
    {
        "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(20);

    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    public int MaxAttempts { get; } = maxAttempts;

    /// <summary>
    /// <c>Aws:MaxAttempts</c>, else the old <c>Aws:MaxRetries</c> + 1, else <c>AWS_MAX_ATTEMPTS</c>, else the
    /// profile's <c>max_attempts</c>, else <see cref="DefaultMaxAttempts"/> (as the SDK reads it).
    /// </summary>
    public static int MaxAttemptsFrom(AwsOptions options, AwsProfileSettings profile, Func<string, string?> environment) =>
        options.MaxAttempts
        ?? options.MaxRetries + 1
        ?? (int.TryParse(environment("AWS_MAX_ATTEMPTS"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var fromEnvironment)
            ? fromEnvironment : (int?)null)
        ?? profile.MaxAttempts
        ?? DefaultMaxAttempts;

    public static AwsRetryKind Classify(Exception failure) => failure switch
    {
        PlatformCallException { ErrorCode: "CallTimeout" or "CredentialsNotResolved" or "RegionNotResolved" or "InvalidEndpoint" } => AwsRetryKind.None,
        PlatformCallException { InnerException: HttpRequestException http } => IsTimeout(http) ? AwsRetryKind.Timeout : AwsRetryKind.Transient,
        PlatformCallException { InnerException: TimeoutException } => AwsRetryKind.Timeout,
        PlatformCallException aws when ThrottlingCodes.Contains(aws.ErrorCode) || aws.HttpStatus == 429 => AwsRetryKind.Throttling,
        PlatformCallException aws when TransientCodes.Contains(aws.ErrorCode) || aws.HttpStatus is { } status && TransientStatuses.Contains(status) => AwsRetryKind.Transient,
        PlatformCallException aws when ClockSkewCodes.Contains(aws.ErrorCode) => AwsRetryKind.ClockSkew,
        _ => AwsRetryKind.None,
    };

    /// <summary>How long to wait before retry <paramref name="retry"/> (0 for the first): full jitter over the capped exponential.</summary>
    public TimeSpan Backoff(int retry) =>
        TimeSpan.FromSeconds(_random() * Math.Min(Math.Pow(2, retry), MaxBackoff.TotalSeconds));

    private static bool IsTimeout(HttpRequestException exception) =>
        exception.InnerException is TimeoutException
        || exception.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut }
        || exception.InnerException?.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut };
}

/// <summary>
/// The standard mode's retry quota, one per endpoint: 500 tokens; a retry takes 5 (10 after a timeout) and is not
/// made when the bucket is short; a call that succeeds gives back what its last retry took, or 1 when it needed none.
/// </summary>
public sealed class AwsRetryQuota
{
    public const int Capacity = 500;
    public const int RetryCost = 5;
    public const int TimeoutRetryCost = 10;
    public const int NoRetryIncrement = 1;

    private readonly Lock _gate = new();
    private int _available = Capacity;

    public int Available
    {
        get
        {
            lock (_gate)
            {
                return _available;
            }
        }
    }

    /// <returns>The tokens taken, or 0 when the quota cannot pay for the retry.</returns>
    public int TryAcquire(AwsRetryKind kind)
    {
        var cost = kind == AwsRetryKind.Timeout ? TimeoutRetryCost : RetryCost;
        lock (_gate)
        {
            if (_available < cost)
            {
                return 0;
            }

            _available -= cost;
            return cost;
        }
    }

    /// <param name="acquired">What the call's last retry took (0 when it succeeded at once).</param>
    public void ReleaseOnSuccess(int acquired)
    {
        lock (_gate)
        {
            _available = Math.Min(Capacity, _available + (acquired > 0 ? acquired : NoRetryIncrement));
        }
    }
}
