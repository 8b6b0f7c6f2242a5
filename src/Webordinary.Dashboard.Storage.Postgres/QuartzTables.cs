namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// Quartz's persistent job store schema on PostgreSQL (for clustered scheduling), as a migration: the create script the
/// pinned Quartz package carries for itself (<c>create_postgres.sql</c>, what Quartz's <c>ProvisionSchema()</c>
/// runs), so that the tables are exactly those this Quartz's job store and its schema check expect, applied with
/// the dashboard's own migrations — in their transaction, under their lock — and not by each instance's scheduler.
/// </summary>
/// <remarks>
/// Applied once, under a name without Quartz's version: a Quartz whose schema changes fails its check at start, naming
/// the upgrade scripts of its release, which then become migrations of their own after this one.
/// </remarks>
internal static class QuartzTables
{
    /// <summary>The job store's table prefix (Quartz's default), written into the script in place of its placeholders.</summary>
    public const string TablePrefix = "qrtz_";

    /// <summary>The script's name in DbUp's journal; it sorts after the dashboard's first schema script.</summary>
    public const string ScriptName = "Webordinary.Dashboard.Storage.Postgres.Migrations.0002_quartz_tables";

    private const string Resource = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    public static string Script()
    {
        using var stream = typeof(Quartz.IScheduler).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The Quartz package no longer carries {Resource}: its job store schema must be found anew.");
        using var reader = new StreamReader(stream);
        // {0} is the table prefix and {1} the prefix without a schema qualifier (index names); ours has none.
        return reader.ReadToEnd().Replace("{0}", TablePrefix, StringComparison.Ordinal).Replace("{1}", TablePrefix, StringComparison.Ordinal);
    }
}
