using Microsoft.Extensions.Options;

namespace Webordinary.Dashboard.Storage;

/// <summary>Which engine holds the dashboard's data (<c>Store</c> section).</summary>
public sealed class StoreOptions
{
    public const string SectionName = "Store";

    public const string ProviderKey = $"{SectionName}:{nameof(Provider)}";

    public const string Sqlite = "Sqlite";

    public const string Postgres = "Postgres";

    /// <summary><see cref="Sqlite"/> (the default: a file in <c>Dashboard:DataDirectory</c>, no setup) or <see cref="Postgres"/>.</summary>
    public string Provider { get; set; } = Sqlite;

    public bool IsSqlite => string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase);

    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// For <see cref="Postgres"/>: Npgsql's syntax (<c>Host=…;Database=…;Username=…;Password=…;SSL Mode=VerifyFull</c>);
    /// <c>ConnectionStrings:Dashboard</c> is read when it is not set.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// For <see cref="Postgres"/>: a PEM file of the certificate authorities the server's certificate must chain to (for
    /// RDS, the region's or the global bundle from AWS), for <c>SSL Mode=VerifyFull</c>; without it the system's trust store is used.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// For <see cref="Postgres"/>: whether the instances share one clustered Quartz scheduler in the database (the
    /// default: each fire runs once in the cluster, so several instances can run). False: this instance schedules in
    /// memory, alone — probes go on while the server is down, but a second instance would run everything twice.
    /// </summary>
    public bool ClusteredScheduling { get; set; } = true;

    /// <summary>
    /// For clustered scheduling: how often each instance checks in. An instance silent for two check-ins is dead and
    /// the next check-in of another takes its triggers over and closes its runs: takeover within three check-ins.
    /// </summary>
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(4);

    public static readonly TimeSpan MinCheckinInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxCheckinInterval = TimeSpan.FromSeconds(60);
}

/// <summary>An unknown provider stops the start (exit 2) with the key named.</summary>
public sealed class StoreOptionsValidator(IReadOnlyCollection<string> available) : IValidateOptions<StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreOptions options) =>
        available.Contains(options.Provider, StringComparer.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{StoreOptions.ProviderKey} is '{options.Provider}', not a store provider: use {string.Join(" or ", available)} ({StoreOptions.Sqlite} is the default).");
}
