using Webordinary.Dashboard.Cli;
using Webordinary.Dashboard.Hosting;

ProcessSettings.Apply();

// `healthcheck` lets the container's HEALTHCHECK probe /alive without curl in the image.
if (args is ["healthcheck", ..])
{
    return await ContainerHealthCheck.RunAsync(args);
}

// `probe run …` / `probe list`: the probes once, for a CI gate (Cli/ProbeCli).
if (ProbeCli.Handles(args))
{
    return await ProbeCli.RunAsync(args, Console.Out, Console.Error);
}

// `store copy`: the SQLite store moved into PostgreSQL (Cli/StoreCli).
if (StoreCli.Handles(args))
{
    return await StoreCli.RunAsync(args, Console.Out, Console.Error);
}

// The dashboard; a start-up failure the operator can fix is exit 2 with the problem named.
return await DashboardHostingExtensions.RunAsync(args);

/// <summary>Entry point, visible to the integration tests.</summary>
public partial class Program;
