using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// Recognises start-up failures the operator can fix — the configuration, the address to listen on, the data
/// directory and its database — and words them, naming the key or the file; anything else is a bug and keeps its
/// exception.
/// </summary>
public static class ConfigurationErrors
{
    /// <param name="services">The app's services when it was built, to name the database file and the addresses asked for.</param>
    public static string? Describe(Exception exception, IServiceProvider? services = null) => exception switch
    {
        OptionsValidationException validation => string.Join(Environment.NewLine, validation.Failures.Select(f => $"  - {f}")),
        // The binder names the key: "Failed to convert configuration value at 'Dashboard:Probes:ecs:Interval' to type ..."
        InvalidOperationException { Message: var message } when message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
            => $"  - {message}{(exception.InnerException is { } inner ? $" ({inner.Message})" : "")}",
        AggregateException aggregate => aggregate.InnerExceptions.Select(e => Describe(e, services)).FirstOrDefault(d => d is not null),
        LoopbackOnlyException loopback => $"  - {loopback.Message}",
        Storage.StoreConfigurationException store => $"  - {store.Message}",
        // The store's engine knows its own damage (a file whose pages do not read): a fix for the operator, not a bug.
        _ when services?.GetService<Storage.IStore>()?.DescribeDamage(exception) is { } damage => $"  - {damage}",
        // appsettings.json (or another configuration file) that is not JSON: the file, and where the parser stopped.
        InvalidDataException { Message: var message } when message.StartsWith("Failed to load configuration from file", StringComparison.Ordinal)
            => $"  - {message} {Innermost(exception).Message}",
        IOException { InnerException: AddressInUseException } inUse =>
            $"  - {inUse.Message} Another process listens there: stop it, or give the dashboard another address ({AddressKeys}).",
        ArgumentOutOfRangeException { ParamName: "port" } when exception.StackTrace?.Contains("Kestrel", StringComparison.Ordinal) == true =>
            $"  - The address to listen on{AddressesOf(services)} has a port beyond 65535: give {AddressKeys} a port from 0 to 65535.",
        _ => null,
    };

    private const string AddressKeys = "--urls, ASPNETCORE_URLS or Kestrel:Endpoints";

    private static Exception Innermost(Exception exception) => exception.InnerException is { } inner ? Innermost(inner) : exception;

    private static string AddressesOf(IServiceProvider? services) =>
        services?.GetService<IConfiguration>()?["urls"] is { Length: > 0 } urls ? $" ({urls})" : "";

}
