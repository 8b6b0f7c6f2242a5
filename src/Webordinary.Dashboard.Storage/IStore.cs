namespace Webordinary.Dashboard.Storage;

/// <summary>
/// The store as a whole, whatever its engine: its schema, whether it is taking writes, and the writes it keeps in
/// memory meanwhile. A write that must not be lost (a run, a step, an incident, an audit entry, an outbox row) is
/// never failed for the engine's sake: it waits in memory, in order, and <see cref="FlushAsync"/> writes it once the
/// engine takes writes again (<see cref="StoreFlusher"/> tries every few seconds).
/// </summary>
public interface IStore
{
    /// <summary>What to name in messages about the store: the SQLite file's path, or the server and database.</summary>
    string Location { get; }

    /// <summary>Whether writes are being stored, and if not since when, why, and how many wait in memory.</summary>
    StoreHealth Health { get; }

    /// <summary>Told when <see cref="Health"/> turns from healthy to failing or back.</summary>
    event Action<StoreHealth>? HealthChanged;

    /// <summary>Creates or migrates the schema (once per process; later calls return at once).</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Writes what waits in memory, in order, until it is all stored or the engine fails again.</summary>
    /// <returns>True when nothing is waiting any more.</returns>
    Task<bool> FlushAsync(CancellationToken cancellationToken);

    /// <summary>
    /// When <paramref name="exception"/> says the store itself is damaged (not the code): one line for the operator,
    /// naming the store and what to do; otherwise null.
    /// </summary>
    string? DescribeDamage(Exception exception) => null;

    /// <summary>
    /// Whether <paramref name="exception"/> is the engine refusing writes for itself (its disk, file or server, not the
    /// statement): an API change is then answered 503 "Results are not being stored", not 500.
    /// </summary>
    bool IsUnavailable(Exception exception) => false;
}

/// <summary>The results store's own health: the dashboard is only as good as what it can record.</summary>
/// <param name="FailingSince">When writes started failing (null while healthy).</param>
/// <param name="Pending">Writes kept in memory, waiting for the store to work again.</param>
/// <param name="Dropped">Writes given up because too many were waiting.</param>
public sealed record StoreHealth(bool Healthy, string? Error, DateTimeOffset? FailingSince, int Pending, int Dropped)
{
    public static readonly StoreHealth Ok = new(true, null, null, 0, 0);
}

/// <summary>The store's configuration cannot work (a directory, a file, a provider, a connection string): exit 2, the key named.</summary>
public class StoreConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
