using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// Probe runs and their steps on PostgreSQL. Times are Unix milliseconds, as on SQLite. Every write is durable: it
/// goes through the provider's writer, which keeps it in memory while the server cannot be reached.
/// </summary>
/// <param name="instance">This process (its id goes on each run it starts); null for a store opened outside a dashboard.</param>
public sealed class PostgresResultsStore(PostgresDatabase database, TimeProvider time, ILogger<PostgresResultsStore> logger, DashboardInstance? instance = null)
    : IResultsStore
{
    /// <summary>How many runs <see cref="StreamRunsAsync"/> reads at a time.</summary>
    internal const int StreamPage = 500;

    /// <summary>
    /// Probe keys and step names by value. Per process by nature: a key, once the store gives it, never changes, so any
    /// instance may remember it; a miss asks the store, which gives each value one key however many ask at once. Only
    /// keys read back from a committed row are remembered: one made in a write's transaction could still roll back.
    /// </summary>
    private readonly ConcurrentDictionary<(string ProbeId, string Kind), int> _probeKeys = new();
    private readonly ConcurrentDictionary<string, int> _stepNames = new(StringComparer.Ordinal);

    /// <summary>Keys made in the writer's current transaction: used again within it, remembered only once read back committed.</summary>
    private KeysMade _made = new(-1);

    /// <summary>
    /// Creates or migrates the schema (a server that cannot be reached does not stop the start: see
    /// <see cref="PostgresDatabase.MigrateAsync"/>) and closes runs a previous process left "running", as the first
    /// durable write, so it waits with the rest while the server is away.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await database.WriteDurablyAsync(async (connection, transaction) =>
        {
            // Clustered, other instances' runs are under way: only those of instances no longer checked in are closed.
            var interrupted = await connection.ExecuteAsync(
                instance is { Clustered: true } ? CloseRunsOfStoppedInstancesSql : "UPDATE runs SET ended_at = @now, outcome = 'Interrupted', message = @message WHERE ended_at IS NULL;",
                new { now, message = IResultsStore.InterruptedMessage, scheduler = ClusterScheduler }, transaction);
            if (interrupted > 0)
            {
                logger.LogWarning("Closed {Count} run(s) left running by a previous process", interrupted);
            }
        }, cancellationToken);
    }

    public async Task<int> CloseRunsOfStoppedInstancesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var closed = await database.WriteAsync(connection => connection.ExecuteAsync(CloseRunsOfStoppedInstancesSql,
            new { now, message = IResultsStore.StoppedInstanceMessage, scheduler = ClusterScheduler }), cancellationToken);
        if (closed > 0)
        {
            logger.LogWarning("Closed {Count} run(s) of instance(s) that stopped checking in", closed);
        }

        return closed;
    }

    /// <summary>The clustered scheduler's name in Quartz's tables (<see cref="PostgresScheduling"/>).</summary>
    private const string ClusterScheduler = PostgresScheduling.SchedulerName;

    /// <summary>
    /// Runs left running by an instance that is not checked in to the cluster's scheduler (Quartz's <c>qrtz_scheduler_state</c>:
    /// an instance adds its row at start, and the row of one that stopped checking in is removed by a live one when it
    /// takes its triggers over), and runs from before instances were recorded.
    /// </summary>
    private const string CloseRunsOfStoppedInstancesSql =
        """
        UPDATE runs SET ended_at = @now, outcome = 'Interrupted', message = @message
        WHERE ended_at IS NULL AND (instance_id IS NULL
            OR instance_id NOT IN (SELECT instance_name FROM qrtz_scheduler_state WHERE sched_name = @scheduler));
        """;

    public Task InsertRunAsync(ProbeRun run, CancellationToken cancellationToken) =>
        database.WriteDurablyAsync(async (connection, transaction) =>
        {
            var row = RunRow.From(run, await ProbeKeyAsync(connection, transaction, run), instance?.Id);
            await connection.ExecuteAsync(InsertRunSql, row, transaction);
        }, cancellationToken);

    public Task InsertStepAsync(string runId, StepResult step, CancellationToken cancellationToken) =>
        database.WriteDurablyAsync(async (connection, transaction) =>
        {
            var row = StepRow.From(runId, step, await StepNameKeyAsync(connection, transaction, step.Name));
            await connection.ExecuteAsync(UpsertStepSql, row, transaction);
        }, cancellationToken);

    public Task CompleteRunAsync(ProbeRun run, CancellationToken cancellationToken) => WriteRunWithStepsAsync(run, CompleteRunSql, cancellationToken);

    public Task InsertCompletedRunAsync(ProbeRun run, CancellationToken cancellationToken) => WriteRunWithStepsAsync(run, InsertRunSql, cancellationToken);

    /// <summary>The run's row (<paramref name="runSql"/>: its update or its insert) and all its steps, in one transaction.</summary>
    private Task WriteRunWithStepsAsync(ProbeRun run, string runSql, CancellationToken cancellationToken) =>
        database.WriteDurablyAsync(async (connection, transaction) =>
        {
            var row = RunRow.From(run, await ProbeKeyAsync(connection, transaction, run), instance?.Id);
            var steps = new List<StepRow>(run.Steps.Count);
            foreach (var step in run.Steps)
            {
                steps.Add(StepRow.From(run.Id, step, await StepNameKeyAsync(connection, transaction, step.Name)));
            }

            await connection.ExecuteAsync(runSql, row, transaction);
            if (steps.Count > 0)
            {
                await connection.ExecuteAsync(UpsertStepSql, steps, transaction);
            }
        }, cancellationToken);

    public async Task<ProbeRun?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<RunRow>(new CommandDefinition(
            SelectRunSql + " WHERE r.id = @runId;", new { runId }, cancellationToken: cancellationToken))).ToList();
        return (await WithStepsAsync(connection, rows, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Newest first, with steps; <paramref name="before"/> pages back by start time.</summary>
    public async Task<IReadOnlyList<ProbeRun>> GetRunsAsync(string probeId, int limit, DateTimeOffset? before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<RunRow>(new CommandDefinition(
            SelectRunSql + " WHERE r.probe_key = ANY(@keys) AND r.started_at < @before ORDER BY r.started_at DESC, r.id COLLATE \"C\" DESC LIMIT @limit;",
            new { keys = await ProbeKeysAsync(connection, probeId, cancellationToken), before = before?.ToUnixTimeMilliseconds() ?? long.MaxValue, limit },
            cancellationToken: cancellationToken))).ToList();
        return await WithStepsAsync(connection, rows, cancellationToken);
    }

    public async Task<int> CountRunsAsync(string probeId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (int)await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM runs WHERE probe_key = ANY(@keys);",
            new { keys = await ProbeKeysAsync(connection, probeId, cancellationToken) }, cancellationToken: cancellationToken));
    }

    /// <summary>Completed runs of a probe in [from, to), oldest first, read a page at a time (for export).</summary>
    public async IAsyncEnumerable<ProbeRun> StreamRunsAsync(string probeId, DateTimeOffset from, DateTimeOffset to,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // (from, "") also takes the runs that start exactly at `from`: every id sorts after "" (byte order, "C" collation).
        var cursor = (At: from.ToUnixTimeMilliseconds(), Id: "");
        while (true)
        {
            IReadOnlyList<ProbeRun> runs;
            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                var rows = (await connection.QueryAsync<RunRow>(new CommandDefinition(
                    SelectRunSql + """
                     WHERE r.probe_key = ANY(@keys) AND r.ended_at IS NOT NULL AND r.started_at < @to
                       AND (r.started_at, r.id COLLATE "C") > (@at, @id)
                     ORDER BY r.started_at, r.id COLLATE "C" LIMIT @page;
                    """,
                    new { keys = await ProbeKeysAsync(connection, probeId, cancellationToken), to = to.ToUnixTimeMilliseconds(), at = cursor.At, id = cursor.Id, page = StreamPage },
                    cancellationToken: cancellationToken))).ToList();
                runs = await WithStepsAsync(connection, rows, cancellationToken);
            }

            foreach (var run in runs)
            {
                yield return run;
            }

            if (runs.Count < StreamPage)
            {
                yield break;
            }

            cursor = (runs[^1].StartedAt.ToUnixTimeMilliseconds(), runs[^1].Id);
        }
    }

    /// <summary>The probe's keys (one per kind it has had; almost always one).</summary>
    private static async Task<int[]> ProbeKeysAsync(NpgsqlConnection connection, string probeId, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<int>(new CommandDefinition(
            "SELECT key FROM probe_keys WHERE probe_id = @probeId;", new { probeId }, cancellationToken: cancellationToken))];

    private async Task<int> ProbeKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ProbeRun run)
    {
        if (_probeKeys.TryGetValue((run.ProbeId, run.ProbeKind), out var key))
        {
            return key;
        }

        var made = MadeInCurrentTransaction();
        if (made.Probes.TryGetValue((run.ProbeId, run.ProbeKind), out key))
        {
            return key;
        }

        var args = new { run.ProbeId, run.ProbeKind };
        if (await connection.ExecuteScalarAsync<int?>(
                "INSERT INTO probe_keys (probe_id, probe_kind) VALUES (@ProbeId, @ProbeKind) ON CONFLICT (probe_id, probe_kind) DO NOTHING RETURNING key;",
                args, transaction) is { } newKey)
        {
            return made.Probes[(run.ProbeId, run.ProbeKind)] = newKey;
        }

        // Already there (committed: ON CONFLICT waits for a concurrent insert to end), so safe to remember. A statement
        // of its own, so it sees a row another instance committed after the insert above began.
        key = await connection.ExecuteScalarAsync<int>("SELECT key FROM probe_keys WHERE probe_id = @ProbeId AND probe_kind = @ProbeKind;", args, transaction);
        return _probeKeys[(run.ProbeId, run.ProbeKind)] = key;
    }

    private async Task<int> StepNameKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name)
    {
        if (_stepNames.TryGetValue(name, out var key))
        {
            return key;
        }

        var made = MadeInCurrentTransaction();
        if (made.Names.TryGetValue(name, out key))
        {
            return key;
        }

        if (await connection.ExecuteScalarAsync<int?>(
                "INSERT INTO step_names (name) VALUES (@name) ON CONFLICT (name) DO NOTHING RETURNING key;", new { name }, transaction) is { } newKey)
        {
            return made.Names[name] = newKey;
        }

        key = await connection.ExecuteScalarAsync<int>("SELECT key FROM step_names WHERE name = @name;", new { name }, transaction);
        return _stepNames[name] = key;
    }

    /// <summary>Durable writes run one at a time (the writer's), so the current transaction's keys need no lock.</summary>
    private KeysMade MadeInCurrentTransaction() =>
        _made.Transaction == database.WriterTransaction ? _made : _made = new KeysMade(database.WriterTransaction);

    private sealed class KeysMade(long transaction)
    {
        public long Transaction { get; } = transaction;

        public Dictionary<(string ProbeId, string Kind), int> Probes { get; } = [];

        public Dictionary<string, int> Names { get; } = new(StringComparer.Ordinal);
    }

    private const string SelectRunSql =
        """
        SELECT r.id AS Id, k.probe_id AS ProbeId, k.probe_kind AS ProbeKind, r.trigger AS Trigger, r.started_at AS StartedAt,
               r.ended_at AS EndedAt, r.duration_ms AS DurationMs, r.outcome AS Outcome, r.message AS Message, r.metrics::text AS Metrics,
               r.maintenance_window AS MaintenanceWindow
        FROM runs r JOIN probe_keys k ON k.key = r.probe_key
        """;

    private const string InsertRunSql =
        """
        INSERT INTO runs (id, probe_key, trigger, started_at, ended_at, duration_ms, outcome, message, metrics, maintenance_window, instance_id)
        VALUES (@Id, @ProbeKey, @Trigger, @StartedAt, @EndedAt, @DurationMs, @Outcome, @Message, CAST(@Metrics AS jsonb), @MaintenanceWindow, @InstanceId);
        """;

    private const string CompleteRunSql =
        """
        UPDATE runs SET ended_at = @EndedAt, duration_ms = @DurationMs, outcome = @Outcome, message = @Message,
                        metrics = CAST(@Metrics AS jsonb), maintenance_window = @MaintenanceWindow
        WHERE id = @Id;
        """;

    /// <summary>A step of a stored run, replacing one stored before at its index (as SQLite's INSERT OR REPLACE).</summary>
    private const string UpsertStepSql =
        """
        INSERT INTO steps (run_seq, idx, name_key, outcome, start_offset_ms, duration_ms, detail,
                           failure_kind, failure_message, error_code, request_id, http_status)
        SELECT r.seq, @Idx, @NameKey, @Outcome, @StartedAt - r.started_at, @DurationMs, @Detail,
               @FailureKind, @FailureMessage, @ErrorCode, @RequestId, @HttpStatus
        FROM runs r WHERE r.id = @RunId
        ON CONFLICT (run_seq, idx) DO UPDATE SET
            name_key = excluded.name_key, outcome = excluded.outcome, start_offset_ms = excluded.start_offset_ms,
            duration_ms = excluded.duration_ms, detail = excluded.detail, failure_kind = excluded.failure_kind,
            failure_message = excluded.failure_message, error_code = excluded.error_code, request_id = excluded.request_id,
            http_status = excluded.http_status;
        """;

    private static async Task<IReadOnlyList<ProbeRun>> WithStepsAsync(NpgsqlConnection connection, List<RunRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var steps = (await connection.QueryAsync<StepRow>(new CommandDefinition(
                """
                SELECT r.id AS RunId, s.idx AS Idx, n.name AS Name, s.outcome AS Outcome, r.started_at + s.start_offset_ms AS StartedAt,
                       s.duration_ms AS DurationMs, s.detail AS Detail, s.failure_kind AS FailureKind,
                       s.failure_message AS FailureMessage, s.error_code AS ErrorCode, s.request_id AS RequestId,
                       s.http_status AS HttpStatus
                FROM runs r JOIN steps s ON s.run_seq = r.seq JOIN step_names n ON n.key = s.name_key
                WHERE r.id = ANY(@ids) ORDER BY r.id, s.idx;
                """, new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: cancellationToken)))
            .ToLookup(s => s.RunId);
        return [.. rows.Select(r => r.ToRun([.. steps[r.Id].Select(s => s.ToStep())]))];
    }

    private sealed class RunRow
    {
        public string Id { get; init; } = "";
        public string ProbeId { get; init; } = "";
        public string ProbeKind { get; init; } = "";
        public int ProbeKey { get; init; }
        public string Trigger { get; init; } = "";
        public long StartedAt { get; init; }
        public long? EndedAt { get; init; }
        public double? DurationMs { get; init; }
        public string Outcome { get; init; } = "";
        public string? Message { get; init; }
        public string? Metrics { get; init; }
        public string? MaintenanceWindow { get; init; }
        public string? InstanceId { get; init; }

        public static RunRow From(ProbeRun run, int probeKey, string? instanceId) => new()
        {
            Id = run.Id,
            ProbeId = run.ProbeId,
            ProbeKind = run.ProbeKind,
            ProbeKey = probeKey,
            Trigger = run.Trigger.ToString(),
            StartedAt = run.StartedAt.ToUnixTimeMilliseconds(),
            EndedAt = run.EndedAt?.ToUnixTimeMilliseconds(),
            DurationMs = run.DurationMs,
            Outcome = run.Outcome.ToString(),
            Message = run.Message,
            Metrics = run.Metrics is null ? null : JsonSerializer.Serialize(run.Metrics),
            MaintenanceWindow = run.MaintenanceWindow,
            InstanceId = instanceId,
        };

        public ProbeRun ToRun(IReadOnlyList<StepResult> steps) => new(
            Id, ProbeId, ProbeKind, Enum.Parse<RunTrigger>(Trigger),
            DateTimeOffset.FromUnixTimeMilliseconds(StartedAt),
            EndedAt is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null,
            DurationMs, Enum.Parse<ProbeOutcome>(Outcome), Message, steps,
            Metrics is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(Metrics), MaintenanceWindow);
    }

    private sealed class StepRow
    {
        public string RunId { get; init; } = "";
        public int Idx { get; init; }
        public string Name { get; init; } = "";
        public int NameKey { get; init; }
        public string Outcome { get; init; } = "";
        public long StartedAt { get; init; }
        public double DurationMs { get; init; }
        public string? Detail { get; init; }
        public string? FailureKind { get; init; }
        public string? FailureMessage { get; init; }
        public string? ErrorCode { get; init; }
        public string? RequestId { get; init; }
        public int? HttpStatus { get; init; }

        public static StepRow From(string runId, StepResult step, int nameKey) => new()
        {
            RunId = runId,
            Idx = step.Index,
            Name = step.Name,
            NameKey = nameKey,
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
            Idx, Name, Enum.Parse<StepOutcome>(Outcome), DateTimeOffset.FromUnixTimeMilliseconds(StartedAt), DurationMs, Detail,
            FailureKind is null ? null : new StepFailure(FailureKind, FailureMessage ?? "", ErrorCode, RequestId, HttpStatus));
    }
}
