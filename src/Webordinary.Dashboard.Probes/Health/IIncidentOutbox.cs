using Microsoft.Data.Sqlite;

namespace Webordinary.Dashboard.Probes.Health;

/// <summary>
/// What an incident change causes beyond itself (the notifications it must send), written in the change's own
/// transaction: either both are stored, or neither. Called by <see cref="ProbeHealthTracker"/> in the order the
/// changes happen, one at a time.
/// </summary>
public interface IIncidentOutbox
{
    /// <summary>The write that goes with <paramref name="change"/>, or null when it causes nothing.</summary>
    Func<SqliteConnection, SqliteTransaction, Task>? Prepare(IncidentChange change);

    /// <summary>The change and what <see cref="Prepare"/> returned were stored (or are kept in memory until the file works again).</summary>
    void Stored(IncidentChange change);
}
