using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>
/// The schema: its versions in order, applied once per process at start, each in its own transaction;
/// <c>PRAGMA user_version</c> records the last one applied. A file from a newer build is refused before anything
/// writes to it.
/// </summary>
internal sealed class SqliteMigrations(string databasePath, SqliteConnections connections, ILogger logger)
{
    /// <summary>Schema versions, applied in order; <c>PRAGMA user_version</c> records the last one applied.</summary>
    public static readonly string[] Scripts =
    [
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            probe_id TEXT NOT NULL,
            probe_kind TEXT NOT NULL,
            trigger TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NULL,
            duration_ms REAL NULL,
            outcome TEXT NOT NULL,
            message TEXT NULL
        );
        CREATE INDEX ix_runs_probe_started ON runs (probe_id, started_at DESC);
        CREATE INDEX ix_runs_running ON runs (ended_at) WHERE ended_at IS NULL;
        CREATE TABLE steps (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            name TEXT NOT NULL,
            outcome TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            duration_ms REAL NOT NULL,
            detail TEXT NULL,
            failure_kind TEXT NULL,
            failure_message TEXT NULL,
            error_code TEXT NULL,
            request_id TEXT NULL,
            http_status INTEGER NULL,
            PRIMARY KEY (run_id, idx)
        );
        """,
        """
        CREATE TABLE scale_audit (
            id TEXT PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            service TEXT NOT NULL,
            from_count INTEGER NOT NULL,
            to_count INTEGER NOT NULL,
            reason TEXT NOT NULL,
            outcome TEXT NOT NULL,
            message TEXT NULL,
            completed_at INTEGER NULL,
            rollout_ms REAL NULL
        );
        CREATE INDEX ix_scale_audit_at ON scale_audit (at DESC);
        CREATE TABLE schedule_pauses (
            name TEXT PRIMARY KEY,
            paused_at INTEGER NOT NULL
        );
        """,
        """
        ALTER TABLE runs ADD COLUMN metrics TEXT NULL;
        """,
        """
        CREATE TABLE rollups (
            probe_id TEXT NOT NULL,
            resolution TEXT NOT NULL,
            bucket_start INTEGER NOT NULL,
            runs INTEGER NOT NULL,
            passes INTEGER NOT NULL,
            degraded INTEGER NOT NULL,
            fails INTEGER NOT NULL,
            parked INTEGER NOT NULL,
            parked_ms REAL NOT NULL,
            p50_ms REAL NULL,
            p95_ms REAL NULL,
            max_ms REAL NULL,
            step_stats TEXT NULL,
            PRIMARY KEY (probe_id, resolution, bucket_start)
        ) WITHOUT ROWID;
        CREATE TABLE history_marks (
            name TEXT PRIMARY KEY,
            at INTEGER NOT NULL
        );
        CREATE INDEX ix_runs_started ON runs (started_at);
        """,
        """
        CREATE TABLE incidents (
            id TEXT PRIMARY KEY,
            probe_id TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NULL,
            first_run_id TEXT NOT NULL,
            failed_step TEXT NULL,
            reason TEXT NULL
        );
        CREATE INDEX ix_incidents_probe_started ON incidents (probe_id, started_at DESC);
        """,
        """
        ALTER TABLE rollups ADD COLUMN metric_stats TEXT NULL;
        """,
        // Compact raw runs (the history benchmark: a year of 50 probes at 30 s is 2 million raw runs in the 14-day
        // window, 750 bytes each before this, 1.5 GB): probe ids, kinds and step names are stored once and referred
        // to by number, steps hang off the run's integer key in a WITHOUT ROWID table (no second index), and a
        // step's start is an offset from its run's. Queries by time go through (probe_key, started_at).
        """
        CREATE TABLE probe_keys (
            key INTEGER PRIMARY KEY,
            probe_id TEXT NOT NULL,
            probe_kind TEXT NOT NULL,
            UNIQUE (probe_id, probe_kind)
        );
        CREATE TABLE step_names (
            key INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        INSERT INTO probe_keys (probe_id, probe_kind) SELECT DISTINCT probe_id, probe_kind FROM runs ORDER BY probe_id, probe_kind;
        INSERT INTO step_names (name) SELECT DISTINCT name FROM steps ORDER BY name;
        CREATE TABLE runs_v7 (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            probe_key INTEGER NOT NULL REFERENCES probe_keys (key),
            trigger TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NULL,
            duration_ms REAL NULL,
            outcome TEXT NOT NULL,
            message TEXT NULL,
            metrics TEXT NULL
        );
        INSERT INTO runs_v7 (id, probe_key, trigger, started_at, ended_at, duration_ms, outcome, message, metrics)
        SELECT r.id, k.key, r.trigger, r.started_at, r.ended_at, r.duration_ms, r.outcome, r.message, r.metrics
        FROM runs r JOIN probe_keys k ON k.probe_id = r.probe_id AND k.probe_kind = r.probe_kind
        ORDER BY r.started_at, r.id;
        CREATE TABLE steps_v7 (
            run_seq INTEGER NOT NULL REFERENCES runs_v7 (seq) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            name_key INTEGER NOT NULL REFERENCES step_names (key),
            outcome TEXT NOT NULL,
            start_offset_ms INTEGER NOT NULL,
            duration_ms REAL NOT NULL,
            detail TEXT NULL,
            failure_kind TEXT NULL,
            failure_message TEXT NULL,
            error_code TEXT NULL,
            request_id TEXT NULL,
            http_status INTEGER NULL,
            PRIMARY KEY (run_seq, idx)
        ) WITHOUT ROWID;
        INSERT INTO steps_v7
        SELECT r.seq, s.idx, n.key, s.outcome, s.started_at - r.started_at, s.duration_ms, s.detail,
               s.failure_kind, s.failure_message, s.error_code, s.request_id, s.http_status
        FROM steps s JOIN runs_v7 r ON r.id = s.run_id JOIN step_names n ON n.name = s.name
        ORDER BY r.seq, s.idx;
        DROP TABLE steps;
        DROP TABLE runs;
        ALTER TABLE runs_v7 RENAME TO runs;
        ALTER TABLE steps_v7 RENAME TO steps;
        CREATE INDEX ix_runs_probe_started ON runs (probe_key, started_at);
        CREATE INDEX ix_runs_running ON runs (ended_at) WHERE ended_at IS NULL;
        """,
        // One audit log of every action (the scale audit's entries become its Scale rows), and the API keys made in the UI
        // or named in configuration (hashes only).
        """
        CREATE TABLE audit_log (
            id TEXT PRIMARY KEY,
            at INTEGER NOT NULL,
            actor_id TEXT NOT NULL,
            actor_name TEXT NOT NULL,
            actor_via TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            outcome TEXT NOT NULL,
            message TEXT NULL,
            from_count INTEGER NULL,
            to_count INTEGER NULL,
            reason TEXT NULL,
            completed_at INTEGER NULL,
            rollout_ms REAL NULL
        );
        CREATE INDEX ix_audit_log_at ON audit_log (at DESC);
        INSERT INTO audit_log (id, at, actor_id, actor_name, actor_via, action, target, outcome, message, from_count, to_count, reason, completed_at, rollout_ms)
        SELECT id, at, actor,
               CASE WHEN actor LIKE 'schedule:%' THEN substr(actor, 10) WHEN actor LIKE 'probe:%' THEN substr(actor, 7) ELSE actor END,
               CASE WHEN actor LIKE 'schedule:%' THEN 'schedule' WHEN actor LIKE 'probe:%' THEN 'probe' ELSE 'local' END,
               'Scale', service, outcome, message, from_count, to_count, reason, completed_at, rollout_ms
        FROM scale_audit;
        DROP TABLE scale_audit;
        CREATE TABLE api_keys (
            name TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            revoked_at INTEGER NULL,
            revoked_by TEXT NULL,
            last_used_at INTEGER NULL
        );
        """,
        // A signal the team can trust: runs record the maintenance window they fell in; rollups count planned work
        // (Maintenance runs and runs in a window) and interrupted runs apart, so that neither costs uptime; runs the
        // dashboard's own stop or crash cut short become Interrupted instead of Fail, and the rollups that counted them
        // as failures are corrected from the raw runs still kept; incidents carry their root cause's affected probes,
        // why they ended and whether they were merged into another's; ad hoc maintenance windows are stored.
        """
        ALTER TABLE runs ADD COLUMN maintenance_window TEXT NULL;
        ALTER TABLE rollups ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE rollups ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
        UPDATE runs SET outcome = 'Interrupted'
        WHERE outcome = 'Fail' AND (message LIKE 'Interrupted:%' OR message LIKE 'Cancelled: the dashboard stopped%');
        UPDATE rollups SET interrupted = (
            SELECT COUNT(*) FROM runs r JOIN probe_keys k ON k.key = r.probe_key
            WHERE k.probe_id = rollups.probe_id AND r.outcome = 'Interrupted' AND r.started_at >= rollups.bucket_start
              AND r.started_at < rollups.bucket_start + (CASE rollups.resolution WHEN 'Hour' THEN 3600000 ELSE 86400000 END));
        UPDATE rollups SET fails = MAX(0, fails - interrupted) WHERE interrupted > 0;
        ALTER TABLE incidents ADD COLUMN affected_probes TEXT NULL;
        ALTER TABLE incidents ADD COLUMN end_reason TEXT NULL;
        ALTER TABLE incidents ADD COLUMN merged_into TEXT NULL;
        CREATE TABLE maintenance_windows (
            id TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            starts_at INTEGER NOT NULL,
            ends_at INTEGER NOT NULL,
            reason TEXT NOT NULL,
            probes TEXT NULL,
            components TEXT NULL,
            ended_at INTEGER NULL,
            ended_by TEXT NULL
        );
        """,
        // Notifications: every message is first a row of the outbox, written in the transaction of the incident change
        // that causes it; its key (incident, event, channel) is unique, so nothing is queued twice, and the row keeps
        // how its delivery went (the delivery log).
        """
        CREATE TABLE notification_outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            event TEXT NOT NULL,
            incident_id TEXT NULL,
            probe_id TEXT NULL,
            created_at INTEGER NOT NULL,
            due_at INTEGER NOT NULL,
            hold_until INTEGER NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_attempt_at INTEGER NULL,
            last_status INTEGER NULL,
            last_error TEXT NULL,
            delivered_at INTEGER NULL,
            payload TEXT NOT NULL
        );
        CREATE INDEX ix_notification_outbox_pending ON notification_outbox (channel, id) WHERE state = 'Pending';
        CREATE INDEX ix_notification_outbox_incident ON notification_outbox (incident_id, channel, event);
        CREATE INDEX ix_notification_outbox_created ON notification_outbox (created_at DESC);
        """,
        // Uptime as the share of time up: rollups keep the milliseconds up, down and excluded (UptimeSpans). Rollups made
        // before this get their run counts' shares of the bucket as time (the only figure left where their raw runs are
        // gone); the watermarks go back to where raw runs are still kept, so the next compaction rolls those buckets up
        // again from the runs and replaces the estimate with the time they measured.
        """
        ALTER TABLE rollups ADD COLUMN up_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE rollups ADD COLUMN down_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE rollups ADD COLUMN excluded_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE rollups ADD COLUMN covered_from INTEGER NULL;
        UPDATE rollups SET
            up_ms = CAST(ROUND((CASE resolution WHEN 'Hour' THEN 3600000.0 ELSE 86400000.0 END) * (passes + degraded) / runs) AS INTEGER),
            down_ms = CAST(ROUND((CASE resolution WHEN 'Hour' THEN 3600000.0 ELSE 86400000.0 END) * fails / runs) AS INTEGER),
            excluded_ms = CAST(ROUND((CASE resolution WHEN 'Hour' THEN 3600000.0 ELSE 86400000.0 END) * MAX(0, runs - passes - degraded - fails) / runs) AS INTEGER)
        WHERE runs > 0;
        UPDATE rollups SET covered_from = bucket_start WHERE up_ms + down_ms > 0;
        UPDATE history_marks SET at = MIN(at, COALESCE((SELECT m.at FROM history_marks m WHERE m.name = 'raw.deleted-before'), 0))
        WHERE name IN ('hour.done', 'day.done');
        """,
        // Incidents people work: who acknowledged an open incident and when (its reminders stop), and the notes written on it.
        """
        ALTER TABLE incidents ADD COLUMN acknowledged_by_id TEXT NULL;
        ALTER TABLE incidents ADD COLUMN acknowledged_by TEXT NULL;
        ALTER TABLE incidents ADD COLUMN acknowledged_at INTEGER NULL;
        CREATE TABLE incident_notes (
            id TEXT PRIMARY KEY,
            incident_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            edited_at INTEGER NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX ix_incident_notes_incident ON incident_notes (incident_id, created_at);
        """,
        // Sign-in that survives a restart: the Data Protection key ring (each key's XML, encrypted with the certificate of
        // Auth:KeyEncryption:Certificate when one is configured) and the sign-in sessions (Oidc mode), their tickets
        // protected with Data Protection.
        """
        CREATE TABLE data_protection_keys (
            id INTEGER PRIMARY KEY,
            friendly_name TEXT NOT NULL UNIQUE,
            xml TEXT NOT NULL
        );
        CREATE TABLE sign_in_sessions (
            key TEXT PRIMARY KEY,
            ticket BLOB NOT NULL,
            expires_at INTEGER NOT NULL
        );
        CREATE INDEX ix_sign_in_sessions_expires ON sign_in_sessions (expires_at);
        """,
        """
        CREATE TABLE manual_runs (
            probe_id TEXT PRIMARY KEY,
            last_manual_run_at INTEGER NOT NULL
        );
        CREATE TABLE scale_in_flight (
            service TEXT PRIMARY KEY,
            audit_id TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            actor_name TEXT NOT NULL,
            reason TEXT NOT NULL,
            to_count INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            instance_id TEXT NOT NULL
        );
        """,
    ];

    /// <summary>The schema version this build creates.</summary>
    public static int SchemaVersion => Scripts.Length;

    private readonly SemaphoreSlim _migrateGate = new(1, 1);
    private bool _migrated;

    /// <summary>Creates or migrates the schema (once per process; later calls return at once).</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _migrateGate.WaitAsync(cancellationToken);
        try
        {
            if (_migrated)
            {
                return;
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
            SqliteConnection connection;
            int version;
            try
            {
                Directory.CreateDirectory(directory);
                // Read before anything writes: a file from a newer build is refused exactly as it was found.
                var found = await ReadSchemaVersionAsync(cancellationToken);
                if (found > Scripts.Length)
                {
                    throw new DataDirectoryException(directory, databasePath, new InvalidOperationException(
                        $"The file has schema version {found}, newer than this dashboard knows ({Scripts.Length}): use a newer build or another directory."));
                }

                connection = await connections.OpenAsync(cancellationToken);
                await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
                version = (int)await connection.ExecuteScalarAsync<long>("PRAGMA user_version;");
            }
            catch (Exception exception) when (exception is SqliteException or IOException or UnauthorizedAccessException)
            {
                throw new DataDirectoryException(directory, databasePath, exception);
            }

            await using var _ = connection;

            for (var next = version; next < Scripts.Length; next++)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(Scripts[next], transaction: transaction);
                await connection.ExecuteAsync($"PRAGMA user_version = {next + 1};", transaction: transaction);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Results database migrated to schema version {Version}", next + 1);
            }

            _migrated = true;
        }
        finally
        {
            _migrateGate.Release();
        }
    }

    /// <summary>
    /// The file's schema version read through a read-only connection (which neither creates, checkpoints nor
    /// converts the file), or 0 when there is no file yet.
    /// </summary>
    private async Task<int> ReadSchemaVersionAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(databasePath))
        {
            return 0;
        }

        var readOnly = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(readOnly);
        await connection.OpenAsync(cancellationToken);
        return (int)await connection.ExecuteScalarAsync<long>("PRAGMA user_version;");
    }
}
