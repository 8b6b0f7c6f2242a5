using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Webordinary.Dashboard.Testing;

/// <summary>
/// One AWS request as the proxy saw it: the signing service (from the credential scope; "unsigned" without one),
/// the operation, the access key id it was signed with (never a secret), and the request body.
/// </summary>
public sealed record ProxiedCall(DateTimeOffset At, string Service, string Operation, string? AccessKey, string Body);

/// <summary>
/// An HTTP proxy on a loopback port in front of an AWS endpoint (moto): forwards every request as it came and
/// records which service and operation it was, so a test can count what the dashboard asks AWS.
/// </summary>
public sealed partial class CountingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ProxiedCall> _calls = new();

    private CountingProxy(WebApplication app) => _app = app;

    public Uri Endpoint => new(_app.Urls.First() + "/");

    public IReadOnlyList<ProxiedCall> Calls => [.. _calls];

    public int Count(string service, string? operation = null) => _calls.Count(c => c.Service == service && (operation is null || c.Operation == operation));

    public void Clear() => _calls.Clear();

    public static async Task<CountingProxy> StartAsync(Uri upstream)
    {
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = upstream };
        CountingProxy? proxy = null;
        var app = await StubServer.StartAsync(app => app.Map("/{**path}", async context =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var scope = CredentialScope().Match(context.Request.Headers.Authorization.ToString());
            proxy!._calls.Enqueue(new ProxiedCall(DateTimeOffset.UtcNow, scope.Success ? scope.Groups["service"].Value : "unsigned",
                OperationOf(context.Request, body), scope.Success ? scope.Groups["key"].Value : null, body));
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
            if (body.Length > 0 || context.Request.ContentLength > 0)
            {
                request.Content = new StringContent(body);
                request.Content.Headers.Clear();
            }

            foreach (var (name, values) in context.Request.Headers)
            {
                if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!request.Headers.TryAddWithoutValidation(name, [.. values]))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, [.. values]);
                }
            }

            using var response = await http.SendAsync(request, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            await context.Response.Body.WriteAsync(await response.Content.ReadAsByteArrayAsync(context.RequestAborted), context.RequestAborted);
        }));
        proxy = new CountingProxy(app);
        return proxy;
    }

    private static string OperationOf(HttpRequest request, string body)
    {
        if (request.Headers.TryGetValue("X-Amz-Target", out var target))
        {
            var value = target.ToString();
            return value[(value.LastIndexOf('.') + 1)..];
        }

        var form = QueryHelpers.ParseQuery(body.Contains("Action=", StringComparison.Ordinal) ? body : request.QueryString.Value);
        return form.TryGetValue("Action", out var action) ? action.ToString() : $"{request.Method} {request.Path}";
    }

    [GeneratedRegex(@"Credential=(?<key>[^/]+)/\d{8}/[^/]+/(?<service>[^/]+)/aws4_request")]
    private static partial Regex CredentialScope();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
