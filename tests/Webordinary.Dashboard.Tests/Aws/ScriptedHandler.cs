using System.Net;
using System.Text;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>An HTTP handler that answers from a script and records what it was sent (with the signature headers).</summary>
internal sealed class ScriptedHandler(params Func<HttpRequestMessage, string, HttpResponseMessage>[] replies) : HttpMessageHandler
{
    private int _next;

    public List<(HttpRequestMessage Request, string Body)> Requests { get; } = [];

    /// <summary>The Authorization header of each request as sent (the signature the SDK's handler added).</summary>
    public List<string> Authorizations { get; } = [];

    /// <summary>The content type of each request as sent.</summary>
    public List<string?> ContentTypes { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add((request, body));
        Authorizations.Add(request.Headers.TryGetValues("Authorization", out var values) ? string.Join(",", values) : "");
        ContentTypes.Add(request.Content?.Headers.ContentType?.MediaType);
        var reply = replies[Math.Min(_next++, replies.Length - 1)];
        return reply(request, body);
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json, string? requestId = "req-local") =>
        WithId(new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.1") }, requestId);

    public static HttpResponseMessage Xml(HttpStatusCode status, string xml, string? requestId = "req-local") =>
        WithId(new HttpResponseMessage(status) { Content = new StringContent(xml, Encoding.UTF8, "text/xml") }, requestId);

    private static HttpResponseMessage WithId(HttpResponseMessage response, string? requestId)
    {
        if (requestId is not null)
        {
            response.Headers.Add("x-amzn-RequestId", requestId);
        }

        return response;
    }
}
