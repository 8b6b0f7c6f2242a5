namespace Webordinary.Dashboard.Platform;

/// <summary>
/// Replaces the task that serves a session (stop it; the service starts another). Only the sandbox offers this:
/// against real AWS the persistence probe does not stop production tasks.
/// </summary>
public interface ISessionTaskReplacer
{
    /// <param name="task">The serving task as Hermes reports it.</param>
    /// <returns>True when a task was replaced.</returns>
    Task<bool> ReplaceAsync(string task, CancellationToken cancellationToken);
}
