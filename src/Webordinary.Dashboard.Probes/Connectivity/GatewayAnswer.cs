using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Configuration;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>
/// Who answered an HTTP error that came through the ALB, and why. The ALB's own answer (it found no healthy target,
/// or none answered in time) carries <c>Server: awselb/…</c>, an HTML page and none of the target's headers; a
/// target's own 5xx (Hermes failing, often because something it needs failed) carries its headers and its reason.
/// Reading every 502/503/504 as the ALB's blamed "no healthy Hermes" for a table that was down.
/// </summary>
/// <param name="FromLoadBalancer">The ALB made the answer itself: no target answered.</param>
/// <param name="Reason">The target's reason from its body, bounded and sanitised; null when it gave none.</param>
/// <param name="Dependency">The reason names something Hermes needs (its session table): that failed, not Hermes.</param>
public sealed partial record GatewayAnswer(int Status, bool FromLoadBalancer, string? Reason, PlatformComponent? Dependency)
{
    /// <summary>The header Hermes names its task in; only a target's answer has it.</summary>
    public const string TargetHeader = "X-Hermes-Task";

    /// <summary>The longest reason quoted from a body; a body is read no further than <see cref="MaxBodyBytes"/>.</summary>
    public const int MaxReasonLength = 160;

    private const int MaxBodyBytes = 4096;

    /// <summary>
    /// "the ALB answered HTTP 503: no healthy target behind the ALB", or "Hermes answered HTTP 503: Session table
    /// unavailable (a failure of what Hermes needs: DynamoDB)".
    /// </summary>
    public string Describe()
    {
        if (FromLoadBalancer)
        {
            return $"the ALB answered HTTP {Status}: {Status switch
            {
                502 => "bad gateway, no usable answer from a target behind the ALB",
                504 => "gateway timeout, no target behind the ALB answered in time",
                _ => "no healthy target behind the ALB",
            }}";
        }

        var text = $"Hermes answered HTTP {Status}";
        if (Reason is not null)
        {
            text += $": {Reason}";
        }

        return Dependency is { } dependency ? $"{text} (a failure of what Hermes needs: {dependency.DisplayName()})" : text;
    }

    /// <summary>The ALB's own answer: the ALB's server name and no header of the target's, or, without a server name, an HTML page.</summary>
    public static bool IsFromLoadBalancer(HttpResponseMessage response)
    {
        if (response.Headers.Contains(TargetHeader))
        {
            return false;
        }

        var server = response.Headers.Server.FirstOrDefault()?.Product?.Name;
        return server is not null
            ? server.StartsWith("awselb", StringComparison.OrdinalIgnoreCase)
            : response.Content.Headers.ContentType?.MediaType is "text/html";
    }

    /// <summary>Reads who answered and, for a target, the reason its body gives (at most <see cref="MaxBodyBytes"/> of it).</summary>
    public static async Task<GatewayAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (IsFromLoadBalancer(response))
        {
            return new GatewayAnswer(status, true, null, null);
        }

        var reason = await ReadReasonAsync(response, cancellationToken);
        return new GatewayAnswer(status, false, reason, DependencyNamedIn(reason));
    }

    /// <summary>The reason a target's answer gives (<see cref="ReasonIn"/>), from at most <see cref="MaxBodyBytes"/> of its body.</summary>
    public static async Task<string?> ReadReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        ReasonIn(await ReadBoundedAsync(response, cancellationToken), response.Content.Headers.ContentType?.MediaType);

    /// <summary>
    /// The reason a body gives: JSON's <c>error</c> or <c>message</c> (a string, or an object's <c>message</c>), or plain
    /// text; never HTML (a page says nothing an operator can use), one line, no control characters, bounded.
    /// </summary>
    public static string? ReasonIn(string body, string? mediaType)
    {
        string? reason = null;
        if (mediaType is "text/html" || body.TrimStart().StartsWith('<'))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            reason = Field(json.RootElement, "error") ?? Field(json.RootElement, "message") ?? Field(json.RootElement, "reason");
        }
        catch (JsonException)
        {
            reason = mediaType is null or "text/plain" ? body : null;
        }

        return Sanitise(reason);
    }

    /// <summary>What Hermes needs, when its reason names it: the session table (DynamoDB) or the workspaces (EFS).</summary>
    public static PlatformComponent? DependencyNamedIn(string? reason) => reason switch
    {
        null => null,
        _ when NamesTable().IsMatch(reason) => PlatformComponent.DynamoDb,
        _ when NamesFileSystem().IsMatch(reason) => PlatformComponent.Efs,
        _ => null,
    };

    [GeneratedRegex(@"\b(dynamodb|table)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamesTable();

    [GeneratedRegex(@"\b(efs|file ?system|workspaces?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamesFileSystem();

    private static string? Field(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Object => Field(value, "message"),
                _ => null,
            }
            : null;

    private static string? Sanitise(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var line = new StringBuilder(Math.Min(text.Length, MaxReasonLength + 1));
        foreach (var c in text)
        {
            // Control and format characters (a bidi override could make the line read otherwise) become spaces.
            var shown = char.IsControl(c) || char.IsWhiteSpace(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format ? ' ' : c;
            if (shown == ' ' && (line.Length == 0 || line[^1] == ' '))
            {
                continue;
            }

            line.Append(shown);
            if (line.Length > MaxReasonLength)
            {
                break;
            }
        }

        var result = line.ToString().TrimEnd();
        return result.Length > MaxReasonLength ? result[..(MaxReasonLength - 1)].TrimEnd() + "…" : result;
    }

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxBodyBytes];
        var read = 0;
        int count;
        while (read < buffer.Length && (count = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += count;
        }

        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
