using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Probes.History;

/// <summary>
/// The whole platform's uptime windows as pages show them: computed at most once per <see cref="MaxAge"/> and shared.
/// Every overview load needs them twice (the prerendered HTML, then the circuit), a year of 50 probes makes it a
/// ~25 ms query, and figures over 24 h to 365 d barely move in half a minute. The REST API asks the store directly.
/// While the store cannot be read (a database server restarting) pages show the last figures, or none, instead of
/// failing: the store's banner says why.
/// </summary>
public sealed class PlatformUptime(IHistoryStore history, IStore store, TimeProvider time, ILogger<PlatformUptime> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Computed? _last;

    private sealed record Computed(DateTimeOffset At, IReadOnlyList<UptimeWindow> Windows);

    public async Task<IReadOnlyList<UptimeWindow>> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } windows)
        {
            return windows;
        }

        // One query at a time: pages opening together wait for the same result instead of each running it.
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } computedMeanwhile)
            {
                return computedMeanwhile;
            }

            IReadOnlyList<UptimeWindow> computed;
            try
            {
                computed = await history.GetUptimeAsync(null, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException && !store.Health.Healthy)
            {
                logger.LogWarning("The platform's uptime cannot be read from {Location} now: {Error}", store.Location, exception.Message);
                return Volatile.Read(ref _last)?.Windows ?? [];
            }

            Volatile.Write(ref _last, new Computed(time.GetUtcNow(), computed));
            return computed;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private IReadOnlyList<UptimeWindow>? Fresh() =>
        Volatile.Read(ref _last) is { } last && time.GetUtcNow() - last.At < MaxAge ? last.Windows : null;
}
