using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Aws;

public static class AwsHostingExtensions
{
    /// <summary>Serves the AWS access interfaces from the team's real account (or any AWS-compatible endpoint).</summary>
    public static IHostApplicationBuilder AddAwsPlatform(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AwsOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.AlbUrl), "Aws:AlbUrl is required in Aws mode: the base URL of the ALB that serves /hermes/... (e.g. https://edit.webordinary.com).")
            .Validate(o => o.CallTimeout > TimeSpan.Zero, "Aws:CallTimeout must be positive.")
            .Validate(o => o.MaxRetries is >= 0 and <= 10, "Aws:MaxRetries must be between 0 and 10.")
            .Validate(o => o.Endpoints.Keys.All(k => AwsService.All.Any(s => s.Name.Equals(k, StringComparison.OrdinalIgnoreCase))),
                $"Aws:Endpoints may name only {string.Join(", ", AwsService.All.Select(s => s.Name))}.")
            .Validate(o => string.IsNullOrWhiteSpace(o.ServiceUrl) || Uri.TryCreate(o.ServiceUrl, UriKind.Absolute, out _), "Aws:ServiceUrl must be an absolute URL.");
        services.AddSingleton<AwsCredentialsSource>();
        services.AddSingleton<IPlatformStatus>(sp => sp.GetRequiredService<AwsCredentialsSource>());
        services.AddSingleton(sp => new AwsTransport(sp.GetRequiredService<AwsCredentialsSource>(), sp.GetRequiredService<IOptions<AwsOptions>>()));
        services.AddSingleton<IEcsClient, EcsClient>();
        services.AddSingleton<IElbClient, ElbClient>();
        services.AddSingleton<ICloudWatchClient, CloudWatchClient>();
        services.AddSingleton<IEfsClient, EfsClient>();
        services.AddSingleton<IDynamoDbClient, DynamoDbClient>();
        services.AddSingleton<IAlbEndpoint>(sp => new ConfiguredAlbEndpoint(sp.GetRequiredService<IOptions<AwsOptions>>().Value.AlbUrl!));
        services.AddHostedService<AwsCredentialsCheck>();
        return builder;
    }

    private sealed class ConfiguredAlbEndpoint(string url) : IAlbEndpoint
    {
        public Uri BaseUrl { get; } = new(url.TrimEnd('/') + "/");
    }

    /// <summary>Resolves the credentials at start, so a missing profile shows at once (logged and on the overview), not at the first probe.</summary>
    private sealed class AwsCredentialsCheck(AwsCredentialsSource credentials) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken) => await credentials.CheckAsync();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
