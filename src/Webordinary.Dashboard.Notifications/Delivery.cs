using System.Globalization;
using System.Net.Http.Headers;

namespace Webordinary.Dashboard.Notifications;

/// <summary>What one attempt to deliver a message came to.</summary>
/// <param name="Status">The receiver's HTTP status or SMTP reply code, when it answered.</param>
/// <param name="Error">What went wrong, for the delivery log (never a secret: no URL path, no credential).</param>
/// <param name="RetryAfter">The receiver said when to come back (HTTP <c>Retry-After</c>).</param>
/// <param name="Permanent">Trying again will not help (the receiver refused the message or the credentials): a dead letter at once.</param>
public sealed record DeliveryResult(bool Delivered, int? Status = null, string? Error = null, TimeSpan? RetryAfter = null, bool Permanent = false)
{
    public static DeliveryResult Ok(int? status = null) => new(true, status);

    public static DeliveryResult Failed(string error, int? status = null, TimeSpan? retryAfter = null) => new(false, status, error, retryAfter);

    public static DeliveryResult Refused(string error, int? status = null) => new(false, status, error, Permanent: true);
}

/// <summary>Sends a message of the outbox over one kind of channel.</summary>
public interface IChannelDelivery
{
    ChannelKind Kind { get; }

    /// <param name="cancellationToken">Fires at the attempt's time limit, or when the dashboard stops.</param>
    Task<DeliveryResult> SendAsync(NotificationChannel channel, OutboxEntry entry, CancellationToken cancellationToken);
}

/// <summary>How an HTTP receiver's answer is read, the same for webhooks and Slack.</summary>
public static class HttpDelivery
{
    public const string ClientName = "notifications";

    public static async Task<DeliveryResult> SendAsync(HttpClient http, HttpRequestMessage request, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return DeliveryResult.Ok(status);
            }

            var body = await ReadSomeAsync(response, cancellationToken);
            var error = $"HTTP {status}{(body.Length > 0 ? ": " + body : "")}";
            if (status is >= 300 and < 400)
            {
                // Not followed: a redirect would take the message (and its signature) somewhere no one configured.
                return DeliveryResult.Refused($"HTTP {status}: redirects are not followed; configure the final URL", status);
            }

            return status is 408 or 425 or 429 or >= 500
                ? DeliveryResult.Failed(error, status, RetryAfter(response.Headers, time))
                : DeliveryResult.Refused(error, status);
        }
        catch (HttpRequestException exception)
        {
            // The message names the host and the socket error, not the URL's path.
            return DeliveryResult.Failed($"{exception.HttpRequestError}: {OneLine(exception.InnerException?.Message ?? exception.Message)}");
        }
    }

    /// <summary>A <c>Retry-After</c> in seconds or as an HTTP date.</summary>
    public static TimeSpan? RetryAfter(HttpResponseHeaders headers, TimeProvider time)
    {
        if (headers.RetryAfter is not { } retryAfter)
        {
            // Parsed by hand too: a value HttpClient does not recognise (e.g. "5.0") is still the receiver's wish.
            return headers.TryGetValues("Retry-After", out var values)
                && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
                ? TimeSpan.FromSeconds(seconds)
                : null;
        }

        if (retryAfter.Delta is { } delta)
        {
            return delta;
        }

        return retryAfter.Date is { } date ? (date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : null;
    }

    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return OneLine(body.Length > 200 ? body[..200] + "…" : body);
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    public static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
