using System.Globalization;

namespace Webordinary.Dashboard.Hosting;

/// <summary>Settings the runtime reads once, at first use: applied first thing in Main, before anything uses them.</summary>
public static class ProcessSettings
{
    public const string ArraysPerPartitionVariable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    /// <summary>Per size and per core; two cores keep one 4 KB segment for each of 2,000 hub connections.</summary>
    public const int ArraysPerPartition = 1024;

    /// <summary>The host builder's own switch (<c>hostBuilder:reloadConfigOnChange</c>) as an environment variable.</summary>
    public const string ReloadConfigVariable = "DOTNET_hostBuilder__reloadConfigOnChange";

    /// <summary>
    /// A hub broadcast writes into every connection's pipe, which rents a 4 KB segment from the shared ArrayPool until
    /// the socket has sent it. The pool keeps 32 arrays per size and core by default, so with hundreds of clients
    /// nearly every broadcast's segments were new arrays and then garbage (push benchmark, 1000 clients, 30 runs:
    /// 13 gen0 and 8 gen1 collections, 150 ms of GC pauses; with this, none). Arrays the pool keeps but no longer
    /// uses are trimmed by the runtime.
    /// <para>
    /// The configuration files are not watched for changes: the watcher covers the content root with its
    /// subdirectories, where the results database lives, so every stored run woke it (the peer benchmark's CPU trace:
    /// ~5% of the dashboard's CPU reading file events). A change of <c>appsettings.json</c> applies at the next start.
    /// </para>
    /// A value the operator set wins.
    /// </summary>
    public static void Apply()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ArraysPerPartitionVariable)))
        {
            Environment.SetEnvironmentVariable(ArraysPerPartitionVariable, ArraysPerPartition.ToString(CultureInfo.InvariantCulture));
        }

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ReloadConfigVariable)))
        {
            Environment.SetEnvironmentVariable(ReloadConfigVariable, "false");
        }
    }
}
