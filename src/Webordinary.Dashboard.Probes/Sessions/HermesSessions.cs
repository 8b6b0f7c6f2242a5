using System.Net.Http.Json;
using System.Text.Json;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Sessions;

/// <summary>What Hermes said about a session.</summary>
public sealed record HermesSession(string SessionId, string? Status, string? Task, string? State);

/// <summary>
/// The Hermes session contract, called through the ALB: create, read, write state, delete, the session's own
/// route. Unexpected statuses fail the step with the HTTP status; the ALB's own error (no target answered, see
/// <see cref="GatewayAnswer"/>) or a refused connection is <see cref="HermesUnreachableException"/>, which flows may
/// work around; Hermes's own 5xx is <see cref="HermesErrorException"/>, with its reason.
/// </summary>
public sealed class HermesSessions(IHttpClientFactory httpClients, IAlbEndpoint alb, HermesSessionOptions options)
{
    /// <summary>Every session a probe creates starts with this, so leftovers are recognisable.</summary>
    public const string MarkerPrefix = "dashboard-probe-";

    public HermesSessionOptions Options => options;

    public static string NewSessionId() => $"{MarkerPrefix}{Guid.CreateVersion7():N}";

    public async Task<HermesSession> CreateAsync(string sessionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        using var client = Client();
        using var response = await SendAsync(client, HttpMethod.Post, options.SessionsPath, cancellationToken,
            JsonContent.Create(new { sessionId, ttl = expiresAt.ToUnixTimeSeconds(), createdBy = "webordinary-dashboard" }));
        await ExpectAsync(response, options.CreatedStatus, "create session", cancellationToken);
        var created = await ReadAsync(response, cancellationToken);
        return created with { SessionId = string.IsNullOrEmpty(created.SessionId) ? sessionId : created.SessionId };
    }

    public async Task<HermesSession> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var client = Client();
        using var response = await SendAsync(client, HttpMethod.Get, $"{options.SessionsPath}/{Uri.EscapeDataString(sessionId)}", cancellationToken);
        await ExpectAsync(response, options.ReadStatus, "read session", cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    /// <returns>The HTTP status Hermes answered for a session id (used for the 404 check).</returns>
    public async Task<int> StatusOfAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var client = Client();
        using var response = await SendAsync(client, HttpMethod.Get, $"{options.SessionsPath}/{Uri.EscapeDataString(sessionId)}", cancellationToken);
        return (int)response.StatusCode;
    }

    public async Task WriteStateAsync(string sessionId, object state, CancellationToken cancellationToken)
    {
        using var client = Client();
        using var response = await SendAsync(client, HttpMethod.Put, $"{options.SessionsPath}/{Uri.EscapeDataString(sessionId)}/state",
            cancellationToken, JsonContent.Create(state));
        if (!response.IsSuccessStatusCode)
        {
            await ExpectAsync(response, 204, "write session state", cancellationToken);
        }
    }

    /// <returns>False when Hermes no longer knew the session (already gone).</returns>
    public async Task<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var client = Client();
        using var response = await SendAsync(client, HttpMethod.Delete, $"{options.SessionsPath}/{Uri.EscapeDataString(sessionId)}", cancellationToken);
        if ((int)response.StatusCode == options.NotFoundStatus)
        {
            return false;
        }

        await ExpectAsync(response, options.DeletedStatus, "delete session", cancellationToken);
        return true;
    }

    /// <summary>GET on the session's own route: the status, the task that served it and the body's session id.</summary>
    public async Task<(int Status, string? Task, string? SessionId)> GetRouteAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var client = Client();
        using var response = await SendAsync(client, HttpMethod.Get, options.SessionRoutePath.Replace("{id}", Uri.EscapeDataString(sessionId)), cancellationToken);
        var task = response.Headers.TryGetValues("X-Hermes-Task", out var values) ? values.FirstOrDefault() : null;
        string? id = null;
        if (response.IsSuccessStatusCode)
        {
            id = (await ReadAsync(response, cancellationToken)).SessionId;
        }

        return ((int)response.StatusCode, task, id);
    }

    /// <summary>GET on any path through the ALB (health, unknown routes).</summary>
    public async Task<int> StatusOfPathAsync(string path, CancellationToken cancellationToken)
    {
        using var client = Client();
        using var response = await SendAsync(client, HttpMethod.Get, path, cancellationToken);
        return (int)response.StatusCode;
    }

    private HttpClient Client() => httpClients.CreateClient(HermesHealthProbe.HttpClientName);

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, CancellationToken cancellationToken, HttpContent? content = null)
    {
        var url = new Uri(alb.BaseUrl, path.TrimStart('/'));
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(new HttpRequestMessage(method, url) { Content = content }, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new HermesUnreachableException($"{method} {path}: {exception.Message}", null, exception);
        }

        if ((int)response.StatusCode >= 500)
        {
            using (response)
            {
                var answer = await GatewayAnswer.ReadAsync(response, cancellationToken);
                var message = $"{method} {path}: {answer.Describe()}.";
                throw answer.FromLoadBalancer
                    ? new HermesUnreachableException(message, answer.Status)
                    : new HermesErrorException(message, answer.Status, answer.Dependency);
            }
        }

        return response;
    }

    private static async Task ExpectAsync(HttpResponseMessage response, int expected, string what, CancellationToken cancellationToken)
    {
        if ((int)response.StatusCode == expected)
        {
            return;
        }

        var reason = await GatewayAnswer.ReadReasonAsync(response, cancellationToken);
        throw new ProbeCheckException($"Hermes {what}: HTTP {(int)response.StatusCode}, expected {expected}. {reason}".Trim(), (int)response.StatusCode);
    }

    private static async Task<HermesSession> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return new HermesSession(Text(json, "sessionId") ?? Text(json, "id") ?? "", Text(json, "status"), Text(json, "task"),
            json.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String ? state.GetString() : state.ValueKind is JsonValueKind.Object ? state.GetRawText() : null);
    }

    private static string? Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>Hermes could not be reached through the ALB (connection refused, or the ALB's own 502/503/504: no target answered).</summary>
public sealed class HermesUnreachableException(string message, int? httpStatus, Exception? inner = null) : Exception(message, inner)
{
    public int? HttpStatus { get; } = httpStatus;
}

/// <summary>
/// Hermes answered, with a 5xx of its own: it is reachable, and failing. <see cref="Dependency"/> is set when its
/// reason names what it needs (its session table), so the failure reads as that dependency's, not Hermes's or the ALB's.
/// </summary>
public sealed class HermesErrorException(string message, int httpStatus, Configuration.PlatformComponent? dependency) : Exception(message)
{
    public int HttpStatus { get; } = httpStatus;

    public Configuration.PlatformComponent? Dependency { get; } = dependency;
}
