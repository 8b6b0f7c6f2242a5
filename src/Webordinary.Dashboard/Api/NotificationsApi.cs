using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Api;

/// <summary>A channel: where it sends (secrets left out), what it takes, and how its deliveries go.</summary>
/// <param name="Target">The webhook's host (its path is the secret), the SMTP server and recipients, or the topic.</param>
/// <param name="Status"><c>Idle</c>, <c>Ok</c> (the last attempt was delivered) or <c>Failing</c>.</param>
public sealed record NotificationChannelDto(string Name, string Kind, string Target, bool BuiltIn, IReadOnlyList<string> Events, string Filter, int RateLimit,
    string Status, int Pending, int Dead, int ConsecutiveFailures, DateTimeOffset? LastDeliveredAt, DateTimeOffset? LastAttemptAt, string? LastError,
    DateTimeOffset? NextAttemptAt);

/// <summary>One message and its delivery: <c>state</c> Pending, Delivered, Dead (a dead letter) or Cancelled.</summary>
/// <param name="LatencyMs">From the change that caused it to the receiver's acknowledgement.</param>
/// <param name="NextAttemptAt">While pending: when it is tried (again).</param>
public sealed record NotificationDeliveryDto(long Id, string Key, string Channel, string Event, string? IncidentId, string? ProbeId, string Title,
    DateTimeOffset CreatedAt, string State, int Attempts, DateTimeOffset? LastAttemptAt, int? LastStatus, string? LastError, DateTimeOffset? DeliveredAt,
    double? LatencyMs, DateTimeOffset? NextAttemptAt);

public sealed record NotificationsDto(IReadOnlyList<NotificationChannelDto> Channels, IReadOnlyList<NotificationDeliveryDto> Deliveries);

/// <summary>
/// <c>GET /api/notifications</c> (channels and the delivery log), <c>POST /api/notifications/channels/{name}/test</c>
/// (Send test) and <c>POST /api/notifications/deliveries/{id}/retry</c> (a dead letter again), both Operator.
/// </summary>
public static class NotificationsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/notifications").WithTags("Notifications").WithApiProblems();
        api.MapGet("", ListAsync)
            .WithSummary("The channels with their state, and the delivery log newest first (filter by channel and state; state=Dead the dead letters).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/channels/{name}/test", SendTestAsync)
            .WithSummary("Queue a test message to a channel, through its retries and rate limit (Operator).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/deliveries/{id}/retry", RetryAsync)
            .WithSummary("Send a dead letter again, its attempts counted afresh (Operator).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return endpoints;
    }

    public static NotificationChannelDto ToDto(this ChannelState state)
    {
        var channel = state.Channel;
        return new(channel.Name, channel.Kind.ToString(), channel.Target, channel.BuiltIn, [.. channel.Events.Order().Select(e => e.Name())], channel.Filter.Describe(),
            channel.Options.RateLimit, state.Status.ToString(), state.Pending, state.Dead, state.ConsecutiveFailures, state.LastDeliveredAt, state.LastAttemptAt,
            state.LastError, state.NextAttemptAt);
    }

    public static NotificationDeliveryDto ToDto(this OutboxEntry entry) => new(entry.Id, entry.Key, entry.Channel, entry.Event.Name(), entry.IncidentId, entry.ProbeId,
        entry.Title, entry.CreatedAt, entry.State.ToString(), entry.Attempts, entry.LastAttemptAt, entry.LastStatus, entry.LastError, entry.DeliveredAt,
        entry.Latency?.TotalMilliseconds, entry.State == DeliveryState.Pending ? entry.DueAt : null);

    /// <summary><c>?channel=</c> one channel's, <c>?state=Dead</c> the dead letters (or Pending, Delivered, Cancelled), <c>?limit=</c> 1–1000 (100).</summary>
    private static async Task<Results<Ok<NotificationsDto>, ProblemHttpResult>> ListAsync(string? channel, string? state, string? limit, NotificationCenter center,
        CancellationToken cancellationToken)
    {
        if (channel is not null && center.StateOf(channel) is null)
        {
            return UnknownChannel(channel);
        }

        DeliveryState? only = null;
        if (state is not null)
        {
            if (Enum.GetValues<DeliveryState>().Cast<DeliveryState?>().FirstOrDefault(s => string.Equals(s.ToString(), state, StringComparison.OrdinalIgnoreCase)) is not { } parsed)
            {
                return ProbesApi.BadRequest($"state must be one of {string.Join(", ", Enum.GetNames<DeliveryState>())} (got '{Clip(state)}').");
            }

            only = parsed;
        }

        var count = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxLimit))
        {
            return ProbesApi.BadRequest($"limit must be a whole number from 1 to {MaxLimit} (got '{Clip(limit)}').");
        }

        var deliveries = await center.ListAsync(new DeliveryQuery(count, center.StateOf(channel ?? "")?.Channel.Name, only), cancellationToken);
        return TypedResults.Ok(new NotificationsDto([.. center.States.Select(s => s.ToDto())], [.. deliveries.Select(d => d.ToDto())]));
    }

    /// <summary>Queues a test message to the channel: 202 with it (its delivery shows in the log).</summary>
    private static async Task<Results<Accepted<NotificationDeliveryDto>, ProblemHttpResult>> SendTestAsync(string name, NotificationActions actions, HttpContext http,
        CancellationToken cancellationToken)
    {
        var outcome = await actions.SendTestAsync(http.User, name, cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return ProbesApi.Forbidden(denied);
        }

        return outcome.Value is { } entry
            ? TypedResults.Accepted($"/api/notifications?channel={Uri.EscapeDataString(entry.Channel)}", entry.ToDto())
            : UnknownChannel(name);
    }

    /// <summary>Sends a dead letter again: 202 with it; 404 unknown; 409 when it is not a dead letter.</summary>
    private static async Task<Results<Accepted<NotificationDeliveryDto>, ProblemHttpResult>> RetryAsync(string id, NotificationActions actions, HttpContext http,
        CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return ProbesApi.BadRequest($"id must be a message's number from the delivery log (got '{Clip(id)}').");
        }

        var outcome = await actions.RetryAsync(http.User, number, cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return ProbesApi.Forbidden(denied);
        }

        var result = outcome.Value!;
        return result.Outcome switch
        {
            RetryOutcome.Retried => TypedResults.Accepted((string?)null, result.Entry!.ToDto()),
            RetryOutcome.NotDead => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not a dead letter",
                detail: $"Message {number} is {result.Entry?.State}: only dead letters are sent again."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown message", detail: $"No message has id {number}."),
        };
    }

    private static ProblemHttpResult UnknownChannel(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown channel", detail: $"No notification channel is named '{Clip(name)}'.");

    private static string Clip(string value) => value.Length > 64 ? value[..64] + "…" : value;
}
