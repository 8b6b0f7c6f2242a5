using System.Globalization;

namespace Webordinary.Dashboard.Storage.Copy;

/// <summary>
/// The tables <c>store copy</c> moves, in an order their foreign keys allow (a table before the tables that refer to it).
/// The copy refuses a source with a table not listed here, and a test holds this list to the SQLite schema: a table
/// added to the schema is one line here.
/// </summary>
public static class StoreTables
{
    public static IReadOnlyList<string> Copied { get; } =
    [
        "probe_keys",
        "step_names",
        "runs",
        "steps",
        "rollups",
        "history_marks",
        "incidents",
        "audit_log",
        "maintenance_windows",
        "schedule_pauses",
        "api_keys",
        "notification_outbox",
        "incident_notes",
        "data_protection_keys",
        "sign_in_sessions",
        "manual_runs",
        "scale_in_flight",
    ];
}

/// <summary>The store a copy reads: every table as it stands at one moment (one snapshot for the whole copy), read only.</summary>
public interface IStoreCopySource : IAsyncDisposable
{
    /// <summary>What to name in messages: the file's path.</summary>
    string Location { get; }

    /// <summary>Every table of the source's schema.</summary>
    Task<IReadOnlyList<string>> ListTablesAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListColumnsAsync(string table, CancellationToken cancellationToken);

    Task<long> CountAsync(string table, CancellationToken cancellationToken);

    /// <summary>The table's rows, values in the order of <paramref name="columns"/> (null for SQL NULL), streamed.</summary>
    IAsyncEnumerable<object?[]> ReadAsync(string table, IReadOnlyList<string> columns, CancellationToken cancellationToken);
}

/// <summary>The store a copy writes: all of it in one transaction, so a copy that fails leaves the target as it was.</summary>
public interface IStoreCopyTarget : IAsyncDisposable
{
    /// <summary>What to name in messages: the server and database (never the password).</summary>
    string Location { get; }

    /// <summary>Creates or upgrades the target's schema.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Opens the copy's transaction with <paramref name="tables"/> locked against writers; returns those that already hold rows.</summary>
    Task<IReadOnlyList<string>> BeginAsync(IReadOnlyList<string> tables, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListColumnsAsync(string table, CancellationToken cancellationToken);

    /// <summary>Adds the rows (values in the order of <paramref name="columns"/>, keys kept as they are).</summary>
    Task WriteAsync(string table, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken);

    /// <summary>Moves generated keys past the copied ones and commits.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>The copy cannot go ahead as things are (the target holds data, the schemas differ): nothing was written (exit 1).</summary>
public sealed class StoreCopyRefusedException(string message) : Exception(message);

/// <summary>
/// Copies every table of <see cref="StoreTables.Copied"/> from one store into another, empty one: the target migrated
/// first, then one transaction, each table in batches of <paramref name="batchSize"/> rows with a progress line after
/// each, the rows' keys kept (runs keep their sequence numbers, the outbox its ids). Engine-free: the two ends do the SQL.
/// </summary>
public sealed class StoreCopy(IStoreCopySource source, IStoreCopyTarget target, TextWriter output, int batchSize)
{
    /// <summary>The upper bound of <c>--batch-size</c>: a batch is held in memory.</summary>
    public const int MaxBatchSize = 100_000;

    /// <returns>The rows copied, per table, in copy order.</returns>
    /// <exception cref="StoreCopyRefusedException">The target already holds data, or a table or column has no counterpart.</exception>
    public async Task<IReadOnlyList<(string Table, long Rows)>> RunAsync(CancellationToken cancellationToken)
    {
        var tables = await source.ListTablesAsync(cancellationToken);
        if (tables.Except(StoreTables.Copied, StringComparer.Ordinal).ToList() is { Count: > 0 } unknown)
        {
            throw new StoreCopyRefusedException($"{source.Location} has tables this build does not copy ({string.Join(", ", unknown)}): use the build that wrote it.");
        }

        if (StoreTables.Copied.Except(tables, StringComparer.Ordinal).ToList() is { Count: > 0 } missing)
        {
            throw new StoreCopyRefusedException($"{source.Location} lacks tables this build copies ({string.Join(", ", missing)}): start this build's dashboard on it once to upgrade it.");
        }

        await output.WriteLineAsync($"Copying {source.Location} into {target.Location}");
        await target.MigrateAsync(cancellationToken);
        var occupied = await target.BeginAsync(StoreTables.Copied, cancellationToken);
        if (occupied.Count > 0)
        {
            throw new StoreCopyRefusedException(
                $"{target.Location} already holds data ({string.Join(", ", occupied)}): store copy only fills an empty database. Nothing was written.");
        }

        var copied = new List<(string Table, long Rows)>();
        foreach (var table in StoreTables.Copied)
        {
            copied.Add((table, await CopyTableAsync(table, cancellationToken)));
        }

        await target.CommitAsync(cancellationToken);
        var width = copied.Max(entry => entry.Table.Length);
        await output.WriteLineAsync("Rows copied:");
        foreach (var (table, rows) in copied)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {table.PadRight(width)}  {rows,12:N0}"));
        }

        return copied;
    }

    private async Task<long> CopyTableAsync(string table, CancellationToken cancellationToken)
    {
        var columns = await source.ListColumnsAsync(table, cancellationToken);
        var targetColumns = await target.ListColumnsAsync(table, cancellationToken);
        if (columns.Except(targetColumns, StringComparer.Ordinal).ToList() is { Count: > 0 } unmatched)
        {
            throw new StoreCopyRefusedException($"{target.Location} has no column {string.Join(", ", unmatched.Select(column => $"{table}.{column}"))}: its schema is not this build's. Nothing was written.");
        }

        var total = await source.CountAsync(table, cancellationToken);
        long written = 0;
        var batch = new List<object?[]>(Math.Min(batchSize, (int)Math.Min(total, MaxBatchSize)));
        await foreach (var row in source.ReadAsync(table, columns, cancellationToken))
        {
            batch.Add(row);
            if (batch.Count == batchSize)
            {
                written = await WriteBatchAsync(table, columns, batch, written, total, cancellationToken);
            }
        }

        if (batch.Count > 0 || written == 0)
        {
            written = await WriteBatchAsync(table, columns, batch, written, total, cancellationToken);
        }

        return written;
    }

    private async Task<long> WriteBatchAsync(string table, IReadOnlyList<string> columns, List<object?[]> batch, long written, long total, CancellationToken cancellationToken)
    {
        if (batch.Count > 0)
        {
            await target.WriteAsync(table, columns, batch, cancellationToken);
        }

        written += batch.Count;
        batch.Clear();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{table}: {written:N0} of {total:N0} rows"));
        return written;
    }
}
