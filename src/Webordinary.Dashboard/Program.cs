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

var builder = WebApplication.CreateBuilder(args);
builder.AddDashboard();

var app = builder.Build();
app.MapDashboard();

return await app.RunDashboardAsync();

/// <summary>Entry point, visible to the integration tests.</summary>
public partial class Program;
