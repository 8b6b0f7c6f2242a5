namespace Webordinary.Dashboard.Platform;

/// <summary>
/// A problem with the platform connection as a whole (no AWS credentials, no region), shown on the overview and
/// logged, instead of crashing the app.
/// </summary>
public interface IPlatformStatus
{
    /// <summary>Null when the platform can be reached; else what is wrong and what to set.</summary>
    string? Problem { get; }
}
