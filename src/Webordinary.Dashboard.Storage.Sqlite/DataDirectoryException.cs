namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>The data directory or the database file in it cannot be used: a configuration error (exit 2).</summary>
public sealed class DataDirectoryException(string directory, string databasePath, Exception inner) : StoreConfigurationException(
    $"Dashboard:DataDirectory '{directory}' cannot hold the results database {databasePath}: {inner.Message} " +
    "Point Dashboard:DataDirectory at a writable directory (it is created if missing), or move the file aside if it is not a dashboard database.", inner)
{
    public string Directory { get; } = directory;
}
