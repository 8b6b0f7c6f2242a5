using Amazon.Runtime;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>
/// The AWS SDK's own clients (DynamoDB, EC2) set up like the hand-written ones: the same credentials, region and
/// endpoint (<see cref="AwsEndpoints"/>), the standard retry mode with the same attempts, no redirects, and each
/// call bounded by <see cref="AwsOptions.CallTimeout"/>; their errors become <see cref="PlatformCallException"/>.
/// A client is made at its first call, and again after a failure to make it (credentials or region not resolved yet).
/// </summary>
public sealed class AwsSdkClient<TClient>(
    AwsService service,
    AwsCredentialsSource credentials,
    AwsTransport transport,
    IOptions<AwsOptions> options,
    TimeProvider time,
    Func<AWSCredentials, ClientConfig, TClient> create,
    Func<ClientConfig> newConfig) : IDisposable
    where TClient : class, IDisposable
{
    private readonly Lock _gate = new();
    private TClient? _client;

    public TClient Client
    {
        get
        {
            lock (_gate)
            {
                return _client ??= create(credentials.Credentials, Configure(newConfig()));
            }
        }
    }

    private ClientConfig Configure(ClientConfig config)
    {
        var aws = options.Value;
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = transport.Retry.MaxAttempts - 1;
        config.Timeout = aws.CallTimeout;
        config.AllowAutoRedirect = false;
        // The endpoint is decided here, as for the hand-written clients; the SDK must not apply AWS_ENDPOINT_URL* again.
        config.IgnoreConfiguredEndpointUrls = true;
        var region = credentials.Region;
        if (transport.Endpoints.Configured(service) is { } configured)
        {
            config.ServiceURL = configured.Url.ToString();
            config.AuthenticationRegion = region.SystemName;
        }
        else
        {
            config.RegionEndpoint = region;
            config.UseFIPSEndpoint = transport.Endpoints.UseFips;
            config.UseDualstackEndpoint = transport.Endpoints.UseDualStack;
        }

        return config;
    }

    /// <summary>One SDK call: bounded by Aws:CallTimeout (retries included), its errors as <see cref="PlatformCallException"/>.</summary>
    public async Task<T> CallAsync<T>(string operation, string resource, Func<TClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var name = service.Name.ToLowerInvariant();
        using var timeout = new CancellationTokenSource(options.Value.CallTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await call(Client, linked.Token);
        }
        catch (OperationCanceledException exception) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PlatformCallException(name, operation, "CallTimeout",
                $"No answer within {options.Value.CallTimeout.TotalSeconds:0.#} s (Aws:CallTimeout), retries included.", null, null, exception);
        }
        catch (AmazonServiceException exception) when (IsNotFound(exception.ErrorCode))
        {
            throw new PlatformResourceNotFoundException(name, operation, exception.ErrorCode, resource, exception.Message,
                (int)exception.StatusCode, exception.RequestId);
        }
        catch (AmazonServiceException exception)
        {
            throw new PlatformCallException(name, operation, exception.ErrorCode ?? exception.GetType().Name, exception.Message,
                exception.StatusCode == 0 ? null : (int)exception.StatusCode, exception.RequestId, exception);
        }
        catch (AmazonClientException exception) when (exception.InnerException is PlatformCallException inner)
        {
            throw inner;
        }
        catch (AmazonClientException exception)
        {
            throw new PlatformCallException(name, operation, "ClientError", exception.Message, null, null, exception);
        }
    }

    private static bool IsNotFound(string? code) =>
        code is not null && (code.EndsWith("NotFoundException", StringComparison.Ordinal) || code.EndsWith(".NotFound", StringComparison.Ordinal)
            || code.EndsWith("NotFound", StringComparison.Ordinal));

    public void Dispose()
    {
        lock (_gate)
        {
            _client?.Dispose();
        }
    }
}
