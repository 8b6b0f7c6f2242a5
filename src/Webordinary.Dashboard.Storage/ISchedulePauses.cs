namespace Webordinary.Dashboard.Storage;

/// <summary>Which scale schedules are paused: pausing survives restarts.</summary>
public interface ISchedulePauses
{
    Task<IReadOnlySet<string>> ListAsync(CancellationToken cancellationToken);

    Task SetAsync(string schedule, bool paused, CancellationToken cancellationToken);
}
