namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>Which engine keeps the dashboard's data.</summary>
public enum StoreProvider
{
    /// <summary>The embedded default: one file in <c>Dashboard:DataDirectory</c>, zero setup, one instance.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server (RDS in production), shared by every instance.</summary>
    Postgres,
}

/// <summary>
/// The <c>Store</c> section. The connection string is Npgsql's syntax
/// (<c>Host=…;Database=…;Username=…;Password=…;SSL Mode=VerifyFull</c>); <c>ConnectionStrings:Dashboard</c> is read
/// when <c>Store:ConnectionString</c> is not set (<see cref="PostgresStoreConfiguration.ConnectionStringKey"/>).
/// </summary>
public sealed class StoreOptions
{
    public const string Section = "Store";

    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;

    public string? ConnectionString { get; set; }

    /// <summary>
    /// A PEM file of the certificate authorities the server's certificate must chain to (for RDS, the region's or the
    /// global bundle from AWS), for <c>SSL Mode=VerifyFull</c>; without it the system's trust store is used.
    /// </summary>
    public string? CaFile { get; set; }
}
