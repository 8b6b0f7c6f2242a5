using System.Globalization;
using System.Text;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.History;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Api;

/// <summary>
/// <c>GET /api/probes/{id}/export?format=csv|json&amp;from=&amp;to=&amp;resolution=raw|hour|day</c>: a probe's runs or
/// rollups for a time range, written to the response as they are read (a page of runs at a time), never buffered whole.
/// </summary>
public static class ExportApi
{
    public static IEndpointRouteBuilder MapExportApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/probes/{id}/export", ExportAsync).WithTags("Probes").WithApiProblems()
            .WithSummary("A probe's runs or rollups for a time range, as a CSV or JSON download.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv", additionalContentTypes: ["application/json"])
            .ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    private static async Task<IResult> ExportAsync(string id, string? format, string? from, string? to, string? resolution, HttpContext http,
        ProbeStatusFeed feed, IResultsStore store, IHistoryStore history, TimeProvider time)
    {
        if (feed.Get(id) is not { } probe)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown probe", detail: $"No probe has id '{id}'.");
        }

        if (format is not ("csv" or "json"))
        {
            return ProbesApi.BadRequest($"format must be csv or json (got '{format}').");
        }

        if ((resolution ?? "raw") is not ("raw" or "hour" or "day"))
        {
            return ProbesApi.BadRequest($"resolution must be raw, hour or day (got '{resolution}').");
        }

        var end = time.GetUtcNow();
        if (to is not null && !ProbesApi.TryParseTime(to, out end))
        {
            return ProbesApi.BadRequest($"to must be an ISO 8601 time from {ProbesApi.MinTime:yyyy-MM-dd} to {ProbesApi.MaxTime:yyyy-MM-dd} (got '{to}').");
        }

        var start = end.AddDays(-1);
        if (from is not null && !ProbesApi.TryParseTime(from, out start))
        {
            return ProbesApi.BadRequest($"from must be an ISO 8601 time from {ProbesApi.MinTime:yyyy-MM-dd} to {ProbesApi.MaxTime:yyyy-MM-dd} (got '{from}').");
        }

        if (start >= end)
        {
            return ProbesApi.BadRequest("from must be before to.");
        }

        var cancellationToken = http.RequestAborted;
        var fileName = $"{probe.ProbeId}-{resolution ?? "raw"}-{start:yyyyMMddTHHmm}-{end:yyyyMMddTHHmm}.{format}";
        http.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024);
        if ((resolution ?? "raw") == "raw")
        {
            await WriteAsync(writer, format, RunHeader, store.StreamRunsAsync(probe.ProbeId, start, end, cancellationToken).Select(RunFields), cancellationToken);
        }
        else
        {
            var rollups = await history.GetRollupsAsync(probe.ProbeId, resolution == "hour" ? RollupResolution.Hour : RollupResolution.Day, start, end, cancellationToken);
            await WriteAsync(writer, format, RollupHeader, rollups.Select(RollupFields).ToAsyncEnumerable(), cancellationToken);
        }

        return TypedResults.Empty;
    }

    private static readonly string[] RunHeader = ["runId", "startedAt", "endedAt", "durationMs", "outcome", "trigger", "message", "failedStep", "errorCode", "requestId", "httpStatus", "maintenanceWindow"];

    private static readonly string[] RollupHeader = ["bucketStart", "runs", "passes", "degraded", "fails", "parked", "parkedMs", "p50Ms", "p95Ms", "maxMs", "maintenance", "interrupted"];

    private static object?[] RunFields(Probes.Model.ProbeRun run)
    {
        var failed = run.Steps.FirstOrDefault(s => s.Failure is not null);
        return [run.Id, run.StartedAt, run.EndedAt, run.DurationMs, run.Outcome.ToString(), run.Trigger.ToString(), run.Message,
            failed?.Name, failed?.Failure?.ErrorCode, failed?.Failure?.RequestId, failed?.Failure?.HttpStatus, run.MaintenanceWindow];
    }

    private static object?[] RollupFields(Rollup r) =>
        [r.BucketStart, r.Runs, r.Passes, r.Degraded, r.Fails, r.Parked, r.ParkedMs, r.P50Ms, r.P95Ms, r.MaxMs, r.Maintenance, r.Interrupted];

    private static async Task WriteAsync(StreamWriter writer, string format, string[] header, IAsyncEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        var first = true;
        if (format == "csv")
        {
            await writer.WriteLineAsync(string.Join(",", header));
        }
        else
        {
            await writer.WriteAsync("[");
        }

        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            if (format == "csv")
            {
                await writer.WriteLineAsync(string.Join(",", row.Select(Csv)));
            }
            else
            {
                await writer.WriteAsync(first ? "\n" : ",\n");
                await writer.WriteAsync(JsonSerializer.Serialize(header.Zip(row).ToDictionary(p => p.First, p => p.Second)));
            }

            first = false;
        }

        if (format == "json")
        {
            await writer.WriteAsync(first ? "]" : "\n]");
        }

        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>RFC 4180: quoted when it holds a comma, quote or line break; times in ISO 8601 UTC.</summary>
    private static string Csv(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }
}
