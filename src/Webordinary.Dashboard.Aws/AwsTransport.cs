using Amazon.Runtime.Signing;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>
/// Sends one AWS API call: SigV4-signed by AWSSDK.Core's <see cref="SigV4SigningHandler"/>, retried on throttling
/// and 5xx with capped exponential backoff and jitter (Polly), never on other 4xx, and bounded by
/// <see cref="AwsOptions.CallTimeout"/> and the caller's token. Errors come back as <see cref="PlatformCallException"/>
/// with the AWS error code and request id.
/// </summary>
public sealed class AwsTransport
{
    private readonly AwsCredentialsSource _credentials;
    private readonly AwsOptions _options;
    private readonly HttpMessageHandler _primaryHandler;
    private readonly Dictionary<string, HttpClient> _clients = [];
    private readonly Lock _gate = new();
    private readonly ResiliencePipeline _pipeline;

    public AwsTransport(AwsCredentialsSource credentials, IOptions<AwsOptions> options, HttpMessageHandler? primaryHandler = null)
    {
        _credentials = credentials;
        _options = options.Value;
        _primaryHandler = primaryHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var pipeline = new ResiliencePipelineBuilder().AddTimeout(_options.CallTimeout);
        if (_options.MaxRetries > 0)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<PlatformCallException>(e => e.IsTransient)
                    .Handle<HttpRequestException>(),
                MaxRetryAttempts = _options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(5),
            });
        }

        _pipeline = pipeline.Build();
    }

    /// <summary>First retry waits about this long; each next one about twice as long (with jitter), at most 5 s.</summary>
    public static TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public Uri EndpointFor(AwsService service)
    {
        if (_options.Endpoints.TryGetValue(service.Name, out var overridden) && !string.IsNullOrWhiteSpace(overridden))
        {
            return new Uri(overridden.TrimEnd('/') + "/");
        }

        if (!string.IsNullOrWhiteSpace(_options.ServiceUrl))
        {
            return new Uri(_options.ServiceUrl.TrimEnd('/') + "/");
        }

        return new Uri($"https://{service.EndpointPrefix}.{_credentials.Region.SystemName}.amazonaws.com/");
    }

    /// <summary>Sends the request <paramref name="build"/> makes (once per attempt) and returns the reply body.</summary>
    public async Task<string> SendAsync(AwsService service, string operation, Func<Uri, HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        var client = ClientFor(service);
        var endpoint = EndpointFor(service);
        try
        {
            return await _pipeline.ExecuteAsync(async token =>
            {
                using var request = build(endpoint);
                using var response = await client.SendAsync(request, token);
                var body = await response.Content.ReadAsStringAsync(token);
                if (response.IsSuccessStatusCode)
                {
                    return body;
                }

                throw AwsErrors.Parse(service, operation, response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, body);
            }, cancellationToken);
        }
        catch (TimeoutRejectedException exception)
        {
            throw new PlatformCallException(service.Name.ToLowerInvariant(), operation, "CallTimeout",
                $"No answer within {_options.CallTimeout.TotalSeconds:0.#} s (Aws:CallTimeout), retries included.", null, null, exception);
        }
        catch (HttpRequestException exception)
        {
            throw new PlatformCallException(service.Name.ToLowerInvariant(), operation, "NetworkError",
                $"{endpoint.Host}: {exception.Message}", exception.StatusCode is { } status ? (int)status : null, null, exception);
        }
    }

    private HttpClient ClientFor(AwsService service)
    {
        lock (_gate)
        {
            if (!_clients.TryGetValue(service.SigningName, out var client))
            {
                var signing = new SigV4SigningHandler(_credentials.Credentials, _credentials.Region, service.SigningName, _primaryHandler);
                // The pipeline bounds each call; the client must not add a shorter default limit of its own.
                client = new HttpClient(signing, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
                client.DefaultRequestHeaders.UserAgent.ParseAdd("webordinary-dashboard/1.0");
                _clients[service.SigningName] = client;
            }

            return client;
        }
    }

    /// <summary>awsQuery: a form POST of <c>Action</c>, <c>Version</c> and the parameters.</summary>
    public static HttpRequestMessage QueryRequest(Uri endpoint, string action, string version, IEnumerable<KeyValuePair<string, string>> parameters) =>
        new(HttpMethod.Post, endpoint)
        {
            Content = new FormUrlEncodedContent([new("Action", action), new("Version", version), .. parameters]),
        };
}
