using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
            .Validate(o => o.MaxAttempts is null || o.MaxRetries is null,
                "Aws:MaxRetries is the old name of Aws:MaxAttempts (attempts in all, the first included: MaxRetries + 1). Set only Aws:MaxAttempts.")
            .Validate(o => o.MaxAttempts is null or (>= 1 and <= 10), "Aws:MaxAttempts must be between 1 and 10 (attempts per AWS call, the first included).")
            .Validate(o => o.MaxRetries is null or (>= 0 and <= 9), "Aws:MaxRetries (the old name of Aws:MaxAttempts) must be between 0 and 9; better set Aws:MaxAttempts (= retries + 1).")
            .Validate(o => o.Endpoints.Keys.All(k => AwsService.All.Any(s => s.Name.Equals(k, StringComparison.OrdinalIgnoreCase))),
                $"Aws:Endpoints may name only {string.Join(", ", AwsService.All.Select(s => s.Name))}.")
            .Validate(o => o.Endpoints.Values.All(IsHttpUrl), "Every Aws:Endpoints:{Service} must be an absolute http(s) URL, e.g. https://vpce-0123-abcd.ecs.us-east-1.vpce.amazonaws.com.")
            .Validate(o => string.IsNullOrWhiteSpace(o.ServiceUrl) || IsHttpUrl(o.ServiceUrl), "Aws:ServiceUrl must be an absolute http(s) URL.");
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var aws = sp.GetRequiredService<IOptions<AwsOptions>>().Value;
            return AwsSharedConfig.Read(AwsSharedConfig.ProfileName(aws.Profile, Environment.GetEnvironmentVariable), Environment.GetEnvironmentVariable);
        });
        services.AddSingleton(sp => new AwsEndpoints(sp.GetRequiredService<IOptions<AwsOptions>>().Value, sp.GetRequiredService<AwsProfileSettings>(),
            Environment.GetEnvironmentVariable));
        services.AddSingleton(sp => new AwsRetryPolicy(AwsRetryPolicy.MaxAttemptsFrom(sp.GetRequiredService<IOptions<AwsOptions>>().Value,
            sp.GetRequiredService<AwsProfileSettings>(), Environment.GetEnvironmentVariable)));
        services.AddSingleton<AwsCredentialsSource>();
        services.AddSingleton<IPlatformStatus>(sp => sp.GetRequiredService<AwsCredentialsSource>());
        services.AddSingleton(sp => new AwsTransport(sp.GetRequiredService<AwsCredentialsSource>(), sp.GetRequiredService<AwsEndpoints>(),
            sp.GetRequiredService<AwsRetryPolicy>(), sp.GetRequiredService<IOptions<AwsOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IEcsClient, EcsClient>();
        services.AddSingleton<IElbClient, ElbClient>();
        services.AddSingleton<ICloudWatchClient, CloudWatchClient>();
        services.AddSingleton<IEfsClient, EfsClient>();
        services.AddSingleton<IDynamoDbClient, DynamoDbClient>();
        services.AddSingleton<IEc2Client, Ec2Client>();
        services.AddSingleton<ISnsClient, SnsClient>();
        services.AddSingleton<IAlbEndpoint>(sp => new ConfiguredAlbEndpoint(sp.GetRequiredService<IOptions<AwsOptions>>().Value.AlbUrl!));
        services.AddHostedService<AwsCredentialsCheck>();
        return builder;
    }

    private static bool IsHttpUrl(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    private sealed class ConfiguredAlbEndpoint(string url) : IAlbEndpoint
    {
        public Uri BaseUrl { get; } = new(url.TrimEnd('/') + "/");
    }

    /// <summary>Resolves the credentials at start, so a missing profile or an expired SSO login shows at once (logged and on the overview), not at the first probe.</summary>
    private sealed class AwsCredentialsCheck(AwsCredentialsSource credentials) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken) => await credentials.CheckAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
