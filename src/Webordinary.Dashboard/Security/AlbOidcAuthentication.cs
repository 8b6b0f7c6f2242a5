using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Hosting;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// <c>Auth:Mode = AlbOidc</c>: the dashboard sits behind an ALB listener rule with <c>authenticate-oidc</c>, which
/// signs the person in and adds <c>x-amzn-oidc-data</c> to every request: a JWT signed with ES256 by the ALB. A
/// request is authenticated when that JWT verifies with the key its <c>kid</c> names (fetched from the region's ALB
/// key endpoint and kept), its <c>signer</c> is exactly <c>Auth:AlbOidc:AlbArn</c> and it has not expired. Anything
/// else — no header, another ALB, a bad signature, an expired token — is 401; nothing redirects (the ALB signs people in).
/// </summary>
public sealed class AlbOidcAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory loggers, UrlEncoder encoder,
    IOptions<AuthOptions> auth, AlbPublicKeys keys, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
{
    public const string SchemeName = "AlbOidc";
    public const string DataHeader = "x-amzn-oidc-data";

    /// <summary>9999-12-31: beyond it a time is not a time.</summary>
    private const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>The ALB's clock and ours may differ a little.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers[DataHeader] is not { Count: 1 } header || header.ToString() is not { Length: > 0 and < 16_384 } jwt)
        {
            return AuthenticateResult.NoResult();
        }

        var parts = jwt.Split('.');
        if (parts.Length != 3 || Decode(parts[0]) is not { } headerBytes || Decode(parts[1]) is not { } payloadBytes || Decode(parts[2]) is not { } signature)
        {
            return AuthenticateResult.Fail("x-amzn-oidc-data is not a JWT.");
        }

        JsonElement head, payload;
        try
        {
            head = JsonSerializer.Deserialize<JsonElement>(headerBytes);
            payload = JsonSerializer.Deserialize<JsonElement>(payloadBytes);
        }
        catch (JsonException)
        {
            return AuthenticateResult.Fail("x-amzn-oidc-data is not a JWT.");
        }

        if (head.ValueKind != JsonValueKind.Object || payload.ValueKind != JsonValueKind.Object)
        {
            return AuthenticateResult.Fail("x-amzn-oidc-data is not a JWT.");
        }

        if (Text(head, "alg") != "ES256")
        {
            return AuthenticateResult.Fail("x-amzn-oidc-data is not signed with ES256.");
        }

        if (!string.Equals(Text(head, "signer"), auth.Value.AlbOidc.AlbArn, StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("x-amzn-oidc-data was signed by another load balancer than Auth:AlbOidc:AlbArn.");
        }

        if ((Number(head, "exp") ?? Number(payload, "exp")) is not { } expires || expires is < 0 or > MaxUnixSeconds
            || DateTimeOffset.FromUnixTimeSeconds(expires) + ClockSkew < time.GetUtcNow())
        {
            return AuthenticateResult.Fail("x-amzn-oidc-data has expired.");
        }

        if (Text(head, "kid") is not { } kid || !AlbPublicKeys.IsWellFormed(kid))
        {
            return AuthenticateResult.Fail("x-amzn-oidc-data names no valid key id.");
        }

        ECDsa key;
        try
        {
            key = await keys.GetAsync(kid, Context.RequestAborted);
        }
        catch (Exception exception) when (exception is HttpRequestException or CryptographicException or ArgumentException or TaskCanceledException
            or AlbPublicKeys.UnavailableException)
        {
            return AuthenticateResult.Fail($"The load balancer's signing key {kid} could not be had: {exception.Message}");
        }

        var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        if (!key.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return AuthenticateResult.Fail("x-amzn-oidc-data's signature does not verify.");
        }

        if (Text(payload, "sub") is not { Length: > 0 } subject)
        {
            return AuthenticateResult.Fail("x-amzn-oidc-data names no subject.");
        }

        var name = Text(payload, "name") ?? Text(payload, "email") ?? Text(payload, "preferred_username") ?? subject;
        var groups = Values(payload, auth.Value.AlbOidc.RolesClaim).Select(v => new Claim(auth.Value.AlbOidc.RolesClaim, v));
        var principal = DashboardPrincipal.Create(SchemeName, subject, name, "alb", role: null, groups);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Not signed in",
            "Sign in through the load balancer: this request has no valid x-amzn-oidc-data header, or an API key.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Forbid(Context);

    internal static Task Forbid(HttpContext context) => Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden",
        $"Signed in as {DashboardPrincipal.ActorOf(context.User).Name}, whose role does not allow this.");

    /// <summary>Base64url, with or without the padding the ALB writes.</summary>
    private static byte[]? Decode(string part)
    {
        var text = part.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    private static IEnumerable<string> Values(JsonElement element, string name) =>
        !element.TryGetProperty(name, out var value) ? []
        : value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
        : value.ValueKind == JsonValueKind.String ? [value.GetString()!] : [];

}

/// <summary>
/// The ALB's public keys by key id, fetched once each from <c>{KeyEndpoint}/{kid}</c> (PEM) and kept. Only well-formed
/// key ids are looked up (<see cref="IsWellFormed"/>), so one key has one entry. A key id whose fetch failed is not asked
/// for again until its own backoff has passed (<see cref="FirstBackoff"/>, doubling with each further failure up to
/// <see cref="MaxBackoff"/>): made-up key ids in headers, which anyone can send, cost the key endpoint one request each,
/// and no key id waits on another's — the key the ALB has just rotated to is fetched the first time a header names it.
/// At most <see cref="MaxFailedRemembered"/> failed key ids are remembered, the ones to be retried soonest forgotten first.
/// Kept per process: these are the ALB's public keys, the same for every instance, and each instance asks for them itself.
/// </summary>
public sealed partial class AlbPublicKeys(IHttpClientFactory http, IOptions<AuthOptions> auth, TimeProvider time, ILogger<AlbPublicKeys> logger)
{
    public const string HttpClientName = "alb-public-keys";
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(10);
    public const int MaxFailedRemembered = 10_000;

    private readonly ConcurrentDictionary<string, Lazy<Task<ECDsa>>> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset RetryAt, TimeSpan Backoff)> _failed = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public sealed class UnavailableException(string message) : Exception(message);

    /// <summary>Letters, digits and '-', 1–128 of them, and nothing after (not even a final newline).</summary>
    public static bool IsWellFormed(string? kid) => kid is not null && KeyIdFormat().IsMatch(kid);

    public async Task<ECDsa> GetAsync(string kid, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(kid))
        {
            throw new ArgumentException("The key id is not one the ALB writes.", nameof(kid));
        }

        if (_keys.TryGetValue(kid, out var known) && known.IsValueCreated && known.Value.IsCompletedSuccessfully)
        {
            return known.Value.Result;
        }

        lock (_gate)
        {
            if (_failed.TryGetValue(kid, out var failed) && time.GetUtcNow() < failed.RetryAt)
            {
                throw new UnavailableException($"its fetch failed; asked again from {failed.RetryAt:HH:mm:ss} UTC");
            }
        }

        var fetch = _keys.GetOrAdd(kid, id => new Lazy<Task<ECDsa>>(() => FetchAsync(id)));
        try
        {
            var key = await fetch.Value.WaitAsync(cancellationToken);
            lock (_gate)
            {
                _failed.Remove(kid);
            }

            return key;
        }
        catch (Exception exception) when (fetch.Value.IsFaulted)
        {
            if (_keys.TryRemove(new KeyValuePair<string, Lazy<Task<ECDsa>>>(kid, fetch)))
            {
                var backoff = RecordFailure(kid);
                // A key id the endpoint does not know is what a made-up header looks like: not worth a warning each.
                logger.Log(exception is HttpRequestException { StatusCode: System.Net.HttpStatusCode.NotFound } ? LogLevel.Debug : LogLevel.Warning,
                    "The ALB's public key {KeyId} could not be fetched ({Message}); asked again in {Backoff}", kid, exception.Message, backoff);
            }

            throw;
        }
    }

    private TimeSpan RecordFailure(string kid)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var backoff = _failed.TryGetValue(kid, out var last) ? TimeSpan.FromTicks(Math.Min(last.Backoff.Ticks * 2, MaxBackoff.Ticks)) : FirstBackoff;
            if (_failed.Count >= MaxFailedRemembered && !_failed.ContainsKey(kid))
            {
                foreach (var forgotten in _failed.OrderBy(f => f.Value.RetryAt).Take(MaxFailedRemembered / 10).Select(f => f.Key).ToList())
                {
                    _failed.Remove(forgotten);
                }
            }

            _failed[kid] = (now + backoff, backoff);
            return backoff;
        }
    }

    /// <summary>The configured endpoint, else the one AWS documents for the ALB's region and partition.</summary>
    public static string EndpointFor(AlbOidcSettings settings)
    {
        if (!string.IsNullOrWhiteSpace(settings.KeyEndpoint))
        {
            return settings.KeyEndpoint.TrimEnd('/');
        }

        // arn:partition:elasticloadbalancing:region:account:loadbalancer/app/name/id
        var arn = (settings.AlbArn ?? "").Split(':');
        var (partition, region) = arn.Length > 3 ? (arn[1], arn[3]) : ("aws", "us-east-1");
        return partition switch
        {
            "aws-us-gov" => $"https://s3-{region}.amazonaws.com/aws-elb-public-keys-prod-{region}",
            "aws-cn" => $"https://public-keys.auth.elb.{region}.amazonaws.com.cn",
            _ => $"https://public-keys.auth.elb.{region}.amazonaws.com",
        };
    }

    private async Task<ECDsa> FetchAsync(string kid)
    {
        using var client = http.CreateClient(HttpClientName);
        var pem = await client.GetStringAsync($"{EndpointFor(auth.Value.AlbOidc)}/{kid}");
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        if (key.KeySize != 256)
        {
            throw new CryptographicException($"Key {kid} is not a P-256 key.");
        }

        return key;
    }

    [GeneratedRegex(@"\A[A-Za-z0-9-]{1,128}\z")]
    private static partial Regex KeyIdFormat();
}
