using Microsoft.Extensions.Options;

namespace Webordinary.Dashboard.Hosting;

/// <summary>Recognises start-up failures caused by configuration and words them for the operator.</summary>
public static class ConfigurationErrors
{
    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException validation => string.Join(Environment.NewLine, validation.Failures.Select(f => $"  - {f}")),
        // The binder names the key: "Failed to convert configuration value at 'Dashboard:Probes:ecs:Interval' to type ..."
        InvalidOperationException { Message: var message } when message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
            => $"  - {message}{(exception.InnerException is { } inner ? $" ({inner.Message})" : "")}",
        AggregateException aggregate => aggregate.InnerExceptions.Select(Describe).FirstOrDefault(d => d is not null),
        LoopbackOnlyException loopback => $"  - {loopback.Message}",
        Storage.StoreConfigurationException store => $"  - {store.Message}",
        _ => null,
    };
}
