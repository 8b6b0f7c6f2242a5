using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Sandbox;

public static class SandboxHostingExtensions
{
    /// <summary>Serves the AWS access interfaces from the simulated platform.</summary>
    public static IHostApplicationBuilder AddSandboxPlatform(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SandboxOptions>()
            .Bind(builder.Configuration.GetSection(SandboxOptions.SectionName))
            .Validate(o => o.TaskStartDelay >= TimeSpan.Zero, "Sandbox:TaskStartDelay must not be negative.")
            .Validate(o => o.HealthCheckDelay >= TimeSpan.Zero, "Sandbox:HealthCheckDelay must not be negative.")
            .Validate(o => o.DrainDelay >= TimeSpan.Zero, "Sandbox:DrainDelay must not be negative.")
            .Validate(o => o.InitialDesiredCount is >= 0 and <= 10, "Sandbox:InitialDesiredCount must be between 0 and 10.")
            .ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<SandboxOptions>, ConfiguredFaultsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<SandboxPlatform>();
        services.AddSingleton<IEcsClient, SandboxEcsClient>();
        services.AddSingleton<IElbClient, SandboxElbClient>();
        services.AddSingleton<ICloudWatchClient, SandboxCloudWatchClient>();
        services.AddSingleton<IDynamoDbClient, SandboxDynamoDbClient>();
        services.AddSingleton<IEfsClient, SandboxEfsClient>();
        services.AddSingleton<SandboxSecurityGroups>();
        services.AddSingleton<IEc2Client, SandboxEc2Client>();
        services.AddSingleton<SandboxSns>();
        services.AddSingleton<ISnsClient>(sp => sp.GetRequiredService<SandboxSns>());
        services.AddSingleton<IPlatformStatus, SandboxPlatformStatus>();
        services.AddSingleton<ISessionTaskReplacer, SandboxTaskReplacer>();
        // The sandbox simulates a workspace file system; it takes the configured id, or one of its own.
        services.PostConfigure<AwsOptions>(aws => aws.FileSystemId = string.IsNullOrWhiteSpace(aws.FileSystemId) ? SandboxPlatform.DefaultFileSystemId : aws.FileSystemId);
        services.AddSingleton<IAlbEndpoint, SandboxAlbEndpoint>();
        return builder;
    }

    /// <summary>Each of <c>Sandbox:Faults</c> must be a fault the sandbox can apply.</summary>
    private sealed class ConfiguredFaultsValidator : Microsoft.Extensions.Options.IValidateOptions<SandboxOptions>
    {
        public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, SandboxOptions options) =>
            FaultInjector.ValidateConfigured(options).ToList() is { Count: > 0 } errors
                ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors)
                : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
    }
}
