using Dapper;
using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// Hands this instance's changes to the others: each is a row of <c>changes</c> with its position, and a NOTIFY on
/// <see cref="Channel"/> naming the position, written through the durable writer. So a change is written after the
/// store writes made before it was published (a run is stored before its completion is announced), kept in memory
/// in order while the server is away, and the notification goes out when its transaction commits.
/// </summary>
public sealed class PostgresChangeRelay(PostgresDatabase database, TimeProvider time, ILogger<PostgresChangeRelay> logger) : IChangeRelay
{
    public const string Channel = "dashboard_changes";

    /// <summary>The advisory lock each insert holds until its commit, so positions commit in order (any fixed number; this one spells "wbdchges").</summary>
    internal const long OrderLockKey = 0x7762_6463_6867_6573;

    private const string Insert =
        $"""
        SELECT pg_advisory_xact_lock(@lockKey);
        WITH inserted AS (
            INSERT INTO changes (origin, kind, body, created_at) VALUES (@origin, @kind, @body::jsonb, @at) RETURNING position)
        SELECT pg_notify('{Channel}', position::text) FROM inserted;
        """;

    public void Send(string origin, string kind, string body)
    {
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        // The writer queues the write before its first wait: calls keep their order without being awaited here.
        var written = database.WriteDurablyAsync((connection, transaction) => connection.ExecuteAsync(
            Insert, new { lockKey = OrderLockKey, origin, kind, body, at }, transaction), CancellationToken.None);
        if (!written.IsCompletedSuccessfully)
        {
            _ = written.ContinueWith(
                t => logger.LogWarning(t.Exception, "A change of kind {Kind} could not be written for the other instances", kind),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }
}
