using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Store;

/// <summary>Probe runs and their steps in the dashboard's SQLite database. Times are Unix milliseconds.</summary>
public sealed class SqliteResultsStore(SqliteDatabase database, TimeProvider time, ILogger<SqliteResultsStore> logger) : IResultsStore
{
    public const string InterruptedMessage = "Interrupted: the dashboard stopped while this run was in progress.";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        var interrupted = await database.WriteAsync(connection => connection.ExecuteAsync(
            "UPDATE runs SET ended_at = @now, outcome = 'Fail', message = @message WHERE ended_at IS NULL;",
            new { now = time.GetUtcNow().ToUnixTimeMilliseconds(), message = InterruptedMessage }), cancellationToken);
        if (interrupted > 0)
        {
            logger.LogWarning("Closed {Count} run(s) left running by a previous process", interrupted);
        }
    }

    public Task InsertRunAsync(ProbeRun run, CancellationToken cancellationToken) => database.WriteAsync(connection => connection.ExecuteAsync(
        """
        INSERT INTO runs (id, probe_id, probe_kind, trigger, started_at, ended_at, duration_ms, outcome, message)
        VALUES (@Id, @ProbeId, @ProbeKind, @Trigger, @StartedAt, @EndedAt, @DurationMs, @Outcome, @Message);
        """, RunRow.From(run)), cancellationToken);

    public Task InsertStepAsync(string runId, StepResult step, CancellationToken cancellationToken) =>
        database.WriteAsync(connection => connection.ExecuteAsync(InsertStepSql, StepRow.From(runId, step)), cancellationToken);

    public Task CompleteRunAsync(ProbeRun run, CancellationToken cancellationToken) => database.WriteAsync(async connection =>
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE runs SET ended_at = @EndedAt, duration_ms = @DurationMs, outcome = @Outcome, message = @Message, metrics = @Metrics WHERE id = @Id;",
            RunRow.From(run), transaction);
        await connection.ExecuteAsync(InsertStepSql, run.Steps.Select(s => StepRow.From(run.Id, s)), transaction);
        await transaction.CommitAsync(cancellationToken);
        return 0;
    }, cancellationToken);

    public async Task<ProbeRun?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<RunRow>(SelectRunSql + " WHERE id = @runId;", new { runId })).ToList();
        return (await WithStepsAsync(connection, rows)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<ProbeRun>> GetRunsAsync(string probeId, int limit, DateTimeOffset? before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<RunRow>(
            SelectRunSql + " WHERE probe_id = @probeId AND started_at < @before ORDER BY started_at DESC, id DESC LIMIT @limit;",
            new { probeId, before = before?.ToUnixTimeMilliseconds() ?? long.MaxValue, limit })).ToList();
        return await WithStepsAsync(connection, rows);
    }

    public async IAsyncEnumerable<ProbeRun> StreamRunsAsync(string probeId, DateTimeOffset from, DateTimeOffset to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int page = 500;
        // (from, "") also takes the runs that start exactly at `from`: every id sorts after "".
        var cursor = (At: from.ToUnixTimeMilliseconds(), Id: "");
        while (true)
        {
            List<ProbeRun> runs;
            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                var rows = (await connection.QueryAsync<RunRow>(
                    SelectRunSql + """
                     WHERE probe_id = @probeId AND ended_at IS NOT NULL AND started_at < @to
                       AND (started_at > @at OR (started_at = @at AND id > @id))
                     ORDER BY started_at, id LIMIT @page;
                    """, new { probeId, to = to.ToUnixTimeMilliseconds(), at = cursor.At, id = cursor.Id, page })).ToList();
                runs = [.. await WithStepsAsync(connection, rows)];
            }

            foreach (var run in runs.OrderBy(r => r.StartedAt).ThenBy(r => r.Id, StringComparer.Ordinal))
            {
                yield return run;
            }

            if (runs.Count < page)
            {
                yield break;
            }

            var last = runs.OrderBy(r => r.StartedAt).ThenBy(r => r.Id, StringComparer.Ordinal).Last();
            cursor = (last.StartedAt.ToUnixTimeMilliseconds(), last.Id);
        }
    }

    public async Task<int> CountRunsAsync(string probeId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (int)await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM runs WHERE probe_id = @probeId;", new { probeId });
    }

    private const string SelectRunSql =
        """
        SELECT id AS Id, probe_id AS ProbeId, probe_kind AS ProbeKind, trigger AS Trigger, started_at AS StartedAt,
               ended_at AS EndedAt, duration_ms AS DurationMs, outcome AS Outcome, message AS Message, metrics AS Metrics
        FROM runs
        """;

    private const string InsertStepSql =
        """
        INSERT OR REPLACE INTO steps (run_id, idx, name, outcome, started_at, duration_ms, detail,
                                      failure_kind, failure_message, error_code, request_id, http_status)
        VALUES (@RunId, @Idx, @Name, @Outcome, @StartedAt, @DurationMs, @Detail,
                @FailureKind, @FailureMessage, @ErrorCode, @RequestId, @HttpStatus);
        """;

    private static async Task<IReadOnlyList<ProbeRun>> WithStepsAsync(SqliteConnection connection, List<RunRow> rows)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var steps = (await connection.QueryAsync<StepRow>(
                """
                SELECT run_id AS RunId, idx AS Idx, name AS Name, outcome AS Outcome, started_at AS StartedAt,
                       duration_ms AS DurationMs, detail AS Detail, failure_kind AS FailureKind,
                       failure_message AS FailureMessage, error_code AS ErrorCode, request_id AS RequestId,
                       http_status AS HttpStatus
                FROM steps WHERE run_id IN @ids ORDER BY run_id, idx;
                """, new { ids = rows.Select(r => r.Id) }))
            .ToLookup(s => s.RunId);
        return [.. rows.Select(r => r.ToRun([.. steps[r.Id].Select(s => s.ToStep())]))];
    }

    private sealed class RunRow
    {
        public string Id { get; init; } = "";
        public string ProbeId { get; init; } = "";
        public string ProbeKind { get; init; } = "";
        public string Trigger { get; init; } = "";
        public long StartedAt { get; init; }
        public long? EndedAt { get; init; }
        public double? DurationMs { get; init; }
        public string Outcome { get; init; } = "";
        public string? Message { get; init; }
        public string? Metrics { get; init; }

        public static RunRow From(ProbeRun run) => new()
        {
            Id = run.Id,
            ProbeId = run.ProbeId,
            ProbeKind = run.ProbeKind,
            Trigger = run.Trigger.ToString(),
            StartedAt = run.StartedAt.ToUnixTimeMilliseconds(),
            EndedAt = run.EndedAt?.ToUnixTimeMilliseconds(),
            DurationMs = run.DurationMs,
            Outcome = run.Outcome.ToString(),
            Message = run.Message,
            Metrics = run.Metrics is null ? null : System.Text.Json.JsonSerializer.Serialize(run.Metrics),
        };

        public ProbeRun ToRun(IReadOnlyList<StepResult> steps) => new(
            Id, ProbeId, ProbeKind, Enum.Parse<RunTrigger>(Trigger),
            DateTimeOffset.FromUnixTimeMilliseconds(StartedAt),
            EndedAt is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null,
            DurationMs, Enum.Parse<ProbeOutcome>(Outcome), Message, steps,
            Metrics is null ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(Metrics));
    }

    private sealed class StepRow
    {
        public string RunId { get; init; } = "";
        public long Idx { get; init; }
        public string Name { get; init; } = "";
        public string Outcome { get; init; } = "";
        public long StartedAt { get; init; }
        public double DurationMs { get; init; }
        public string? Detail { get; init; }
        public string? FailureKind { get; init; }
        public string? FailureMessage { get; init; }
        public string? ErrorCode { get; init; }
        public string? RequestId { get; init; }
        public long? HttpStatus { get; init; }

        public static StepRow From(string runId, StepResult step) => new()
        {
            RunId = runId,
            Idx = step.Index,
            Name = step.Name,
            Outcome = step.Outcome.ToString(),
            StartedAt = step.StartedAt.ToUnixTimeMilliseconds(),
            DurationMs = step.DurationMs,
            Detail = step.Detail,
            FailureKind = step.Failure?.Kind,
            FailureMessage = step.Failure?.Message,
            ErrorCode = step.Failure?.ErrorCode,
            RequestId = step.Failure?.RequestId,
            HttpStatus = step.Failure?.HttpStatus,
        };

        public StepResult ToStep() => new(
            (int)Idx, Name, Enum.Parse<StepOutcome>(Outcome), DateTimeOffset.FromUnixTimeMilliseconds(StartedAt), DurationMs, Detail,
            FailureKind is null ? null : new StepFailure(FailureKind, FailureMessage ?? "", ErrorCode, RequestId, (int?)HttpStatus));
    }
}
