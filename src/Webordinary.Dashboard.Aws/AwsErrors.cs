using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

/// <summary>Reads an AWS error reply in its JSON (<c>__type</c>) or Query (<c>&lt;ErrorResponse&gt;</c>) form.</summary>
public static class AwsErrors
{
    public static PlatformCallException Parse(AwsService service, string operation, HttpStatusCode status, HttpResponseHeaders headers, string? mediaType, string body)
    {
        var requestId = RequestId(headers);
        string? code = null;
        string? message = null;
        var trimmed = body.TrimStart();
        if (trimmed.StartsWith('<'))
        {
            try
            {
                var error = XDocument.Parse(trimmed).Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
                message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;
                requestId ??= XDocument.Parse(trimmed).Descendants().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value;
            }
            catch (System.Xml.XmlException)
            {
                // Not XML after all; keep the status.
            }
        }
        else if (trimmed.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(trimmed);
                var root = json.RootElement;
                code = String(root, "__type") ?? String(root, "code") ?? String(root, "ErrorCode") ?? String(root, "Code");
                message = String(root, "message") ?? String(root, "Message") ?? String(root, "errorMessage");
            }
            catch (JsonException)
            {
                // Not JSON after all; keep the status.
            }
        }

        if (headers.TryGetValues("x-amzn-ErrorType", out var errorType))
        {
            code ??= errorType.FirstOrDefault();
        }

        code = Normalise(code) ?? $"Http{(int)status}";
        message ??= string.IsNullOrWhiteSpace(body) ? status.ToString() : Truncate(body.Trim(), 300);
        return IsNotFound(code)
            ? new PlatformResourceNotFoundException(service.Name.ToLowerInvariant(), operation, code, operation, message, (int)status, requestId)
            : new PlatformCallException(service.Name.ToLowerInvariant(), operation, code, message, (int)status, requestId);
    }

    public static string? RequestId(HttpResponseHeaders headers) =>
        headers.TryGetValues("x-amzn-RequestId", out var ids) || headers.TryGetValues("x-amz-request-id", out ids) ? ids.FirstOrDefault() : null;

    /// <summary><c>com.amazonaws.ecs#ClusterNotFoundException</c> or <c>ThrottlingException:http://…</c> → the bare code.</summary>
    private static string? Normalise(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        var colon = code.IndexOf(':');
        return colon > 0 ? code[..colon] : code;
    }

    private static bool IsNotFound(string code) =>
        code.EndsWith("NotFoundException", StringComparison.Ordinal) || code.EndsWith("NotFound", StringComparison.Ordinal)
        || code is "ResourceNotFoundException";

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}
