using System.CommandLine;
using System.Data.Common;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Copy;

namespace Webordinary.Dashboard.Cli;

/// <summary>
/// <c>store copy [--batch-size N]</c>: the SQLite store in <c>Dashboard:DataDirectory</c> copied into the empty
/// PostgreSQL database of <c>Store:ConnectionString</c> (migrated first), every table in one transaction. The source is
/// read only and its instance lock held, so no dashboard may run on it meanwhile: the copy is a move, and a dashboard
/// still writing to the file would add history the copy leaves behind. Exit codes: 0 copied; 1 refused (the target
/// holds data) or failed (nothing written); 2 bad arguments or configuration, or a dashboard holds the source (the
/// refusal a second dashboard on the file gets).
/// </summary>
public static class StoreCli
{
    public const int Copied = 0;
    public const int Refused = 1;
    public const int BadUsage = CommandLineInvocation.BadUsage;

    private const int DefaultBatchSize = 10_000;

    public static bool Handles(string[] args) => args is ["store", ..];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Action<IConfigurationBuilder>? configure = null)
    {
        var batchSize = new Option<int>("--batch-size")
        {
            Description = $"Rows per COPY batch, one progress line each (1 to {StoreCopy.MaxBatchSize:N0}).",
            DefaultValueFactory = _ => DefaultBatchSize,
        };
        var copy = new Command("copy", "Copy the SQLite store of Dashboard:DataDirectory into the empty PostgreSQL database of Store:ConnectionString.") { batchSize };
        var store = new Command("store", "Move the dashboard's data between stores.") { copy };
        var root = new RootCommand("Webordinary Dashboard: the health and control room of the Webordinary platform.") { store };
        copy.SetAction((parse, cancellationToken) => CopyAsync(parse.GetValue(batchSize), output, error, configure, cancellationToken));

        return await CommandLineInvocation.InvokeAsync(root, args, output, error, "store copy --help");
    }

    private static async Task<int> CopyAsync(int batchSize, TextWriter output, TextWriter error, Action<IConfigurationBuilder>? configure, CancellationToken cancellationToken)
    {
        if (batchSize is < 1 or > StoreCopy.MaxBatchSize)
        {
            await error.WriteLineAsync($"error: --batch-size must be between 1 and {StoreCopy.MaxBatchSize}.");
            return BadUsage;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = typeof(StoreCli).Assembly.GetName().Name });
        configure?.Invoke(builder.Configuration);
        const string dataDirectoryKey = $"{DashboardOptions.SectionName}:{nameof(DashboardOptions.DataDirectory)}";
        var dataDirectory = Path.Combine(builder.Environment.ContentRootPath, builder.Configuration[dataDirectoryKey] ?? new DashboardOptions().DataDirectory);
        // Standard output is the progress and the counts; the log goes to standard error, warnings and worse only.
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning));
        try
        {
            // The target's settings first: a missing connection string is reported without touching the source.
            await using var target = StoreHostingExtensions.OpenCopyTarget(builder.Configuration, loggerFactory);
            await using var source = await StoreHostingExtensions.OpenCopySourceAsync(dataDirectory, cancellationToken);
            await new StoreCopy(source, target, output, batchSize).RunAsync(cancellationToken);
            return Copied;
        }
        catch (StoreConfigurationException exception)
        {
            await error.WriteLineAsync($"Configuration error:{Environment.NewLine}{exception.Message}");
            return BadUsage;
        }
        catch (StoreCopyRefusedException exception)
        {
            await error.WriteLineAsync($"store copy refused: {exception.Message}");
            return Refused;
        }
        catch (DbException exception)
        {
            await error.WriteLineAsync($"store copy failed, nothing was written (its transaction rolled back): {exception.Message}");
            return Refused;
        }
    }
}
