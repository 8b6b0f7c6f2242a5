using DbUp;
using DbUp.Engine;
using DbUp.Postgresql;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Webordinary.Dashboard.Storage.Postgres;

/// <summary>
/// Creates or upgrades the PostgreSQL schema at start: DbUp applies the scripts embedded under Migrations/ and
/// Quartz's tables (<see cref="QuartzTables"/>) that its journal (the <c>schemaversions</c> table) does not list yet,
/// in order, in one transaction. Instances starting
/// together queue on an advisory lock, so one applies and the others find nothing left to do.
/// </summary>
public sealed class PostgresSchema(NpgsqlDataSource dataSource, ILogger<PostgresSchema> logger)
{
    /// <summary>The advisory lock held around an upgrade (any fixed number; this one spells "wbdschem").</summary>
    internal const long UpgradeLockKey = 0x7762_6473_6368_656D;

    private const string ScriptFolder = ".Migrations.";

    /// <summary>The scripts this build applies, in order, by the names the journal lists them under.</summary>
    public static IReadOnlyList<string> Scripts { get; } = [.. LoadScripts().Select(script => script.Name)];

    /// <summary>Applies what is missing and returns the names of the scripts it applied (none when up to date).</summary>
    /// <exception cref="StoreSchemaException">The database was upgraded by a newer build, or a script failed (nothing of it kept).</exception>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        // A session lock on a connection of its own: DbUp opens its own, and the lock goes with this session if the
        // process dies mid-upgrade (the transaction rolls back with it).
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var acquire = new NpgsqlCommand("SELECT pg_advisory_lock($1);", lockConnection))
        {
            acquire.Parameters.Add(new NpgsqlParameter<long> { TypedValue = UpgradeLockKey });
            await acquire.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var upgrader = DeployChanges.To
                .PostgresqlDatabase(new PostgresqlConnectionManager(dataSource))
                .WithScripts(LoadScripts())
                .WithTransaction()
                // Scripts are plain SQL: nothing in them is a DbUp $variable$.
                .WithVariablesDisabled()
                .LogTo(logger)
                .Build();

            var unknown = upgrader.GetExecutedButNotDiscoveredScripts();
            if (unknown.Count > 0)
            {
                throw new StoreSchemaException(
                    $"The PostgreSQL database was upgraded by a newer dashboard: its schema is at {unknown.Order(StringComparer.Ordinal).Last()}, this build's at {Scripts[^1]} "
                    + $"(its journal lists {string.Join(", ", unknown)}, which this build does not know). Use a newer build or another database.");
            }

            // DbUp is synchronous; the start waits for it either way.
            var result = await Task.Run(upgrader.PerformUpgrade, cancellationToken);
            if (!result.Successful)
            {
                throw new StoreSchemaException($"Migration {result.ErrorScript?.Name} failed, and none of this upgrade was kept: {result.Error?.Message}", result.Error);
            }

            var applied = result.Scripts.Select(script => script.Name).ToList();
            if (applied.Count > 0)
            {
                logger.LogInformation("PostgreSQL store migrated: {Scripts}", string.Join(", ", applied));
            }

            return applied;
        }
        finally
        {
            try
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1);", lockConnection);
                release.Parameters.Add(new NpgsqlParameter<long> { TypedValue = UpgradeLockKey });
                await release.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (NpgsqlException)
            {
                // The session is gone (the server went away mid-upgrade), and its lock with it; the upgrade's own error says why.
            }
        }
    }

    /// <summary>The SQL files under Migrations/ (embedded) and Quartz's tables, in name order, as DbUp applies them.</summary>
    private static List<SqlScript> LoadScripts()
    {
        var assembly = typeof(PostgresSchema).Assembly;
        var scripts = assembly.GetManifestResourceNames()
            .Where(name => name.Contains(ScriptFolder, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                return new SqlScript(name, reader.ReadToEnd());
            })
            .Append(new SqlScript(QuartzTables.ScriptName, QuartzTables.Script()));
        return [.. scripts.OrderBy(script => script.Name, StringComparer.Ordinal)];
    }
}

/// <summary>The PostgreSQL schema cannot be brought to this build's version: the start stops (exit 2).</summary>
public sealed class StoreSchemaException(string message, Exception? inner = null) : StoreConfigurationException(message, inner);
