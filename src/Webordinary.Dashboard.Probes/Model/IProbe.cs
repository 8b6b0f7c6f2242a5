namespace Webordinary.Dashboard.Probes.Model;

/// <summary>
/// A probe checks one thing on the platform. It records named, timed steps through the
/// <see cref="Running.ProbeContext"/>; a step that throws fails the run.
/// </summary>
public interface IProbe
{
    /// <summary>The id from configuration (<c>Dashboard:Probes:{id}</c>).</summary>
    string Id { get; }

    /// <summary>What kind of check this is, e.g. <c>EcsService</c>.</summary>
    string Kind { get; }

    Task RunAsync(Running.ProbeContext context, CancellationToken cancellationToken);
}
