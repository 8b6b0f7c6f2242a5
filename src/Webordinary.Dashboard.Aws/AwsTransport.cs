using System.Collections.Concurrent;
using Amazon.Runtime.Signing;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>
/// Sends one AWS API call of the hand-written clients: to the service's endpoint (<see cref="AwsEndpoints"/>),
/// SigV4-signed by AWSSDK.Core's <see cref="SigV4SigningHandler"/> at the clock-skew-corrected time, retried in the
/// SDK's standard mode (<see cref="AwsRetryPolicy"/>, a retry quota per service), and bounded by
/// <see cref="AwsOptions.CallTimeout"/> and the caller's token. Redirects are not followed (they would not be
/// re-signed). Errors come back as <see cref="PlatformCallException"/> with the AWS error code and request id.
/// </summary>
public sealed class AwsTransport
{
    /// <summary>A skew smaller than this is the <c>Date</c> header's rounding, not a wrong clock (the SDKs' threshold).</summary>
    public static readonly TimeSpan SkewThreshold = TimeSpan.FromMinutes(4);

    /// <summary>A reply that took longer than this says nothing reliable about the server's clock.</summary>
    private static readonly TimeSpan MaxTrustedRequestDuration = TimeSpan.FromMinutes(15);

    private readonly AwsCredentialsSource _credentials;
    private readonly AwsEndpoints _endpoints;
    private readonly AwsOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpMessageHandler _primaryHandler;
    private readonly ConcurrentDictionary<string, AwsRetryQuota> _quotas = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _skews = new(StringComparer.OrdinalIgnoreCase);

    public AwsTransport(AwsCredentialsSource credentials, AwsEndpoints endpoints, AwsRetryPolicy retry, IOptions<AwsOptions> options, TimeProvider time,
        HttpMessageHandler? primaryHandler = null)
    {
        _credentials = credentials;
        _endpoints = endpoints;
        Retry = retry;
        _options = options.Value;
        _time = time;
        // The SigV4 handler's docs: the transport under it must not follow redirects, which would go out unsigned.
        _primaryHandler = primaryHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false };
    }

    public AwsRetryPolicy Retry { get; }

    public AwsEndpoints Endpoints => _endpoints;

    public Uri EndpointFor(AwsService service) => _endpoints.For(service, _credentials.Region.SystemName).Url;

    /// <summary>The retry quota of a service's calls (one per service, as the SDK keeps one per endpoint).</summary>
    public AwsRetryQuota QuotaOf(AwsService service) => _quotas.GetOrAdd(service.Name, _ => new AwsRetryQuota());

    /// <summary>How far the server's clock is from ours, as learnt from its replies' <c>Date</c> (zero within <see cref="SkewThreshold"/>).</summary>
    public TimeSpan SkewOf(Uri endpoint) => _skews.GetValueOrDefault(endpoint.Authority);

    /// <summary>Sends the request <paramref name="build"/> makes (once per attempt) and returns the reply body.</summary>
    public async Task<string> SendAsync(AwsService service, string operation, Func<Uri, HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        var endpoint = EndpointFor(service);
        var quota = QuotaOf(service);
        using var callTimeout = new CancellationTokenSource(_options.CallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callTimeout.Token);
        var acquired = 0;
        var retries = 0;
        for (var attempt = 1; ; attempt++)
        {
            var skew = SkewOf(endpoint);
            PlatformCallException failure;
            try
            {
                var (failed, body) = await SendOnceAsync(service, operation, endpoint, build, linked.Token);
                if (failed is null)
                {
                    quota.ReleaseOnSuccess(acquired);
                    AwsCallMetrics.Called(service, operation, "Success");
                    return body!;
                }

                failure = failed;
            }
            catch (OperationCanceledException exception) when (callTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                AwsCallMetrics.Called(service, operation, "CallTimeout");
                throw new PlatformCallException(service.Name.ToLowerInvariant(), operation, "CallTimeout",
                    $"No answer within {_options.CallTimeout.TotalSeconds:0.#} s (Aws:CallTimeout), retries included.", null, null, exception);
            }
            catch (HttpRequestException exception)
            {
                failure = new PlatformCallException(service.Name.ToLowerInvariant(), operation, "NetworkError",
                    $"{endpoint.Host}: {exception.Message}", exception.StatusCode is { } code ? (int)code : null, null, exception);
            }

            var kind = AwsRetryPolicy.Classify(failure);
            if (attempt >= Retry.MaxAttempts || kind == AwsRetryKind.None)
            {
                throw Given(service, failure);
            }

            if (kind == AwsRetryKind.ClockSkew)
            {
                // Worth another attempt only when this reply taught us a different clock: signed again at once with it.
                if ((SkewOf(endpoint) - skew).Duration() < SkewThreshold)
                {
                    throw Given(service, failure);
                }

                AwsCallMetrics.Retried(service, operation, kind.ToString());
                continue;
            }

            acquired = quota.TryAcquire(kind);
            if (acquired == 0)
            {
                throw Given(service, failure);
            }

            AwsCallMetrics.Retried(service, operation, kind.ToString());

            await Task.Delay(Retry.Backoff(retries++), _time, linked.Token).ConfigureAwait(false);
        }
    }

    /// <summary>The call gave up with <paramref name="failure"/>: counted with its error code.</summary>
    private static PlatformCallException Given(AwsService service, PlatformCallException failure)
    {
        AwsCallMetrics.Called(service, failure.Operation, failure.ErrorCode);
        return failure;
    }

    /// <returns>The body on success (no failure), else the failure the reply describes.</returns>
    private async Task<(PlatformCallException? Failure, string? Body)> SendOnceAsync(
        AwsService service, string operation, Uri endpoint, Func<Uri, HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        using var request = build(endpoint);
        var sentAt = _time.GetUtcNow();
        // A handler per attempt, because the signing time (corrected by the learnt skew) is fixed per handler.
        var signing = new SigV4SigningHandler(new AWSSigV4Parameters
        {
            Credentials = _credentials.Credentials,
            Region = _credentials.Region,
            Service = service.SigningName,
            SignedAt = (sentAt + SkewOf(endpoint)).UtcDateTime,
        }, _primaryHandler);
        using var invoker = new HttpMessageInvoker(signing, disposeHandler: false);
        request.Headers.UserAgent.ParseAdd("webordinary-dashboard/1.0");
        using var response = await invoker.SendAsync(request, cancellationToken);
        LearnSkew(endpoint, response.Headers.Date, sentAt, _time.GetUtcNow());
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return (null, body);
        }

        if (status is >= 300 and < 400)
        {
            return (new PlatformCallException(service.Name.ToLowerInvariant(), operation, "Redirect",
                $"HTTP {status} to {response.Headers.Location?.ToString() ?? "(no location)"} was not followed: a redirect is not signed again. Point Aws:Endpoints:{service.Name} at the endpoint itself.",
                status, AwsErrors.RequestId(response.Headers)), null);
        }

        return (AwsErrors.Parse(service, operation, response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, body), null);
    }

    private void LearnSkew(Uri endpoint, DateTimeOffset? serverTime, DateTimeOffset sentAt, DateTimeOffset receivedAt)
    {
        if (serverTime is not { } server || receivedAt - sentAt > MaxTrustedRequestDuration)
        {
            return;
        }

        var candidate = server - receivedAt;
        _skews[endpoint.Authority] = candidate.Duration() >= SkewThreshold ? candidate : TimeSpan.Zero;
    }

    /// <summary>awsQuery: a form POST of <c>Action</c>, <c>Version</c> and the parameters.</summary>
    public static HttpRequestMessage QueryRequest(Uri endpoint, string action, string version, IEnumerable<KeyValuePair<string, string>> parameters) =>
        new(HttpMethod.Post, endpoint)
        {
            Content = new FormUrlEncodedContent([new("Action", action), new("Version", version), .. parameters]),
        };
}
