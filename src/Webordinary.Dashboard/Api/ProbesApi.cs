using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Probes.Scheduling;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Api;

/// <summary><c>/api/probes</c> and <c>/api/runs</c>.</summary>
public static class ProbesApi
{
    public const int DefaultRunLimit = 20;
    public const int MaxRunLimit = 200;

    public static IEndpointRouteBuilder MapProbesApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithTags("Probes").WithApiProblems();
        api.MapGet("/probes", (ProbeStatusFeed feed) => TypedResults.Ok(feed.GetSnapshot().Select(s => s.ToDto())))
            .WithSummary("Every probe with its status, damped health, last and current run and trend.");
        api.MapGet("/probes/{id}", GetProbe).WithSummary("One probe.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/probes/{id}/runs", GetRunsAsync).WithSummary("A probe's runs, newest first, with their steps (limit 1–200, before an ISO 8601 time).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/probes/run-all", RunAllAsync).WithSummary("Run every enabled probe not cooling down (Operator).")
            .Produces<RunAllResultDto>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/probes/{id}/run", RunNowAsync).WithSummary("Run one probe now (Operator).")
            .Produces<RunAcceptedDto>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/runs/{runId}", GetRunAsync).WithSummary("One run with its steps and metrics.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/probes/{id}/uptime", GetUptimeAsync).WithSummary("A probe's uptime over 24 h, 7 d, 30 d and 365 d.")
            .WithDescription("Uptime is the share of time up: each run's outcome holds until the probe's next run, at most its interval + timeout; parked, maintenance and interrupted time is left out. Each window says the seconds of data it covers and since when.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/incidents", GetIncidentsAsync).WithSummary("Incidents newest first, by root cause with the probes affected.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/uptime", async (Storage.IHistoryStore history, CancellationToken cancellationToken) =>
            TypedResults.Ok(new UptimeDto(null, [.. (await history.GetUptimeAsync(null, cancellationToken)).Select(ToDto)])))
            .WithSummary("The whole platform's uptime windows.")
            .WithDescription("Every probe's up and down time together, by time as for one probe; coveredSeconds is the best-covered probe's.");
        return endpoints;
    }

    private static Results<Ok<ProbeDto>, ProblemHttpResult> GetProbe(string id, ProbeStatusFeed feed) =>
        feed.Get(id) is { } state ? TypedResults.Ok(state.ToDto()) : UnknownProbe(id);

    private static async Task<Results<Ok<IEnumerable<RunDto>>, ProblemHttpResult>> GetRunsAsync(
        string id, string? limit, string? before, ProbeStatusFeed feed, IResultsStore store, CancellationToken cancellationToken)
    {
        if (feed.Get(id) is not { } state)
        {
            return UnknownProbe(id);
        }

        var count = DefaultRunLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxRunLimit))
        {
            return BadRequest($"limit must be a whole number from 1 to {MaxRunLimit} (got '{limit}').");
        }

        DateTimeOffset? cursor = null;
        if (before is not null)
        {
            if (!TryParseTime(before, out var parsed))
            {
                return BadRequest($"before must be an ISO 8601 time from {MinTime:yyyy-MM-dd} to {MaxTime:yyyy-MM-dd} such as 2026-11-25T12:00:00Z (got '{before}').");
            }

            cursor = parsed;
        }

        var runs = await store.GetRunsAsync(state.ProbeId, count, cursor, cancellationToken);
        return TypedResults.Ok(runs.Select(r => r.ToDto()));
    }

    private static async Task<Results<Ok<RunDto>, ProblemHttpResult>> GetRunAsync(string runId, ProbeStatusFeed feed, IResultsStore store, CancellationToken cancellationToken) =>
        (feed.FindRunning(runId) ?? await store.GetRunAsync(runId, cancellationToken)) is { } run
            ? TypedResults.Ok(run.ToDto())
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown run", detail: $"No run has id '{runId}'.");

    /// <summary>Uptime over 24 h, 7 d, 30 d and 365 d; parked runs are not counted; null where nothing was counted.</summary>
    private static async Task<Results<Ok<UptimeDto>, ProblemHttpResult>> GetUptimeAsync(string id, ProbeStatusFeed feed, Storage.IHistoryStore history, CancellationToken cancellationToken)
    {
        if (feed.Get(id) is not { } state)
        {
            return UnknownProbe(id);
        }

        var windows = await history.GetUptimeAsync(state.ProbeId, cancellationToken);
        return TypedResults.Ok(new UptimeDto(state.ProbeId, [.. windows.Select(ToDto)]));
    }

    private static UptimeWindowDto ToDto(UptimeWindow w) => new(w.Window, w.Uptime, w.Runs, w.Failed, w.Parked, w.Maintenance, w.Interrupted, w.CoveredSeconds, w.Since);

    /// <summary>Incidents newest first, optionally of one probe (<c>?probe=</c>).</summary>
    private static async Task<Results<Ok<IEnumerable<IncidentDto>>, ProblemHttpResult>> GetIncidentsAsync(
        string? probe, string? limit, ProbeStatusFeed feed, Storage.IIncidentStore incidents, CancellationToken cancellationToken)
    {
        if (probe is not null && feed.Get(probe) is null)
        {
            return UnknownProbe(probe);
        }

        var count = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
        {
            return BadRequest($"limit must be a whole number from 1 to 1000 (got '{limit}').");
        }

        return TypedResults.Ok((await incidents.ListAsync(probe, openOnly: false, count, cancellationToken)).Select(i => i.ToDto()));
    }

    private static async Task<IResult> RunNowAsync(string id, ProbeActions actions, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await actions.RunNowAsync(http.User, id, cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return Forbidden(denied);
        }

        var result = outcome.Value!;
        return result.Status switch
        {
            RunRequestStatus.Accepted => TypedResults.Accepted($"/api/runs/{result.RunId}", new RunAcceptedDto(result.ProbeId, result.RunId!)),
            RunRequestStatus.UnknownProbe => UnknownProbe(id),
            RunRequestStatus.Disabled => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Probe disabled",
                detail: $"Probe '{result.ProbeId}' is disabled in configuration (Dashboard:Probes:{result.ProbeId}:Enabled)."),
            RunRequestStatus.StoreUnavailable => StoreUnavailable(),
            _ => CoolingDown(http, result),
        };
    }

    private static async Task<IResult> RunAllAsync(ProbeActions actions, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await actions.RunAllAsync(http.User, cancellationToken);
        if (outcome.Denied is { } denied)
        {
            return Forbidden(denied);
        }

        var results = outcome.Value!;
        var accepted = results.Where(r => r.Status == RunRequestStatus.Accepted).Select(r => new RunAcceptedDto(r.ProbeId, r.RunId!)).ToList();
        if (results.Any(r => r.Status == RunRequestStatus.StoreUnavailable))
        {
            return StoreUnavailable();
        }

        if (accepted.Count == 0 && results.Count > 0)
        {
            return CoolingDown(http, results.OrderBy(r => r.RetryAfter).First());
        }

        var skipped = results.Where(r => r.Status != RunRequestStatus.Accepted)
            .Select(r => new RunSkippedDto(r.ProbeId, r.Status.ToString(), r.RetryAfter?.TotalSeconds)).ToList();
        return TypedResults.Accepted((string?)null, new RunAllResultDto(accepted, skipped));
    }

    private static ProblemHttpResult CoolingDown(HttpContext http, RunRequestResult result)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(result.RetryAfter?.TotalSeconds ?? 1));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Cooling down",
            detail: $"Probe '{result.ProbeId}' was run by hand moments ago; try again in {seconds} s.");
    }

    /// <summary>What a change made now could not be stored in (a run, a window, a key): 503 until the store works again (see <c>/health</c>).</summary>
    internal static ProblemHttpResult StoreUnavailable() =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Results are not being stored",
            detail: "The results database cannot take writes right now (see /health); runs, maintenance windows and API keys are not made by hand until it can.");

    private static ProblemHttpResult UnknownProbe(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown probe", detail: $"No probe has id '{id}'.");

    /// <summary>The times the API takes: Unix time onwards, and not so far ahead that adding a window to it overflows.</summary>
    internal static readonly DateTimeOffset MinTime = DateTimeOffset.UnixEpoch;

    internal static readonly DateTimeOffset MaxTime = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An ISO 8601 time (UTC unless it says otherwise) within <see cref="MinTime"/> and <see cref="MaxTime"/>.</summary>
    internal static bool TryParseTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time) && time >= MinTime && time < MaxTime;

    /// <summary>The user's role does not allow the action ("Operators only").</summary>
    internal static ProblemHttpResult Forbidden(string reason) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: $"{reason}: your role does not allow this.");

    internal static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail);
}
