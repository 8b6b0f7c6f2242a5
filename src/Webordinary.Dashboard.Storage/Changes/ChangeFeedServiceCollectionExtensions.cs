using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Storage.Changes;

public static class ChangeFeedServiceCollectionExtensions
{
    /// <summary>
    /// The one <see cref="ChangeFeed"/>, relayed to the other instances when the store provides a relay
    /// (<see cref="IChangeRelay"/>: PostgreSQL), in process otherwise (SQLite: one instance); and the cluster's leases,
    /// all this process's unless the store provides them.
    /// </summary>
    public static IServiceCollection AddChangeFeed(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IClusterLeases, ProcessLeases>();
        services.TryAddSingleton(sp => new ChangeFeed(
            sp.GetServices<ChangeKind>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ChangeFeed>>(), sp.GetService<IChangeRelay>()));
        return services;
    }

    /// <summary>Registers a change type other instances hear of, under <paramref name="name"/> (stable: rows carry it).</summary>
    public static IServiceCollection AddChangeKind<T>(this IServiceCollection services, string name) where T : DashboardChange
    {
        services.AddSingleton(new ChangeKind(name, typeof(T)));
        return services;
    }
}
