using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>The real AWS clients, built from settings the way the app binds them.</summary>
internal sealed class AwsClients
{
    /// <param name="jitter">The retry backoff's random factor; 0 unless a test asks (no waiting between attempts).</param>
    /// <param name="environment">The environment variables the endpoints and attempts are read from; the process's unless given.</param>
    public AwsClients(IDictionary<string, string?> settings, HttpMessageHandler? handler = null, TimeProvider? time = null, Func<double>? jitter = null,
        Func<string, string?>? environment = null)
    {
        var aws = new AwsOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(AwsOptions.SectionName).Bind(aws);
        environment ??= Environment.GetEnvironmentVariable;
        Options = Microsoft.Extensions.Options.Options.Create(aws);
        Time = time ?? TimeProvider.System;
        var profile = AwsSharedConfig.Read(AwsSharedConfig.ProfileName(aws.Profile, environment), environment);
        Endpoints = new AwsEndpoints(aws, profile, environment);
        Retry = new AwsRetryPolicy(AwsRetryPolicy.MaxAttemptsFrom(aws, profile, environment), jitter ?? (() => 0));
        Credentials = new AwsCredentialsSource(Options, NullLogger<AwsCredentialsSource>.Instance, Time);
        Transport = new AwsTransport(Credentials, Endpoints, Retry, Options, Time, handler);
        Ecs = new EcsClient(Transport);
        Elb = new ElbClient(Transport);
        CloudWatch = new CloudWatchClient(Transport);
        Efs = new EfsClient(Transport);
        DynamoDbClient = new DynamoDbClient(Credentials, Transport, Options, Time);
        Ec2 = new Ec2Client(Credentials, Transport, Options, Time);
    }

    public IOptions<AwsOptions> Options { get; }
    public TimeProvider Time { get; }
    public AwsEndpoints Endpoints { get; }
    public AwsRetryPolicy Retry { get; }
    public AwsCredentialsSource Credentials { get; }
    public AwsTransport Transport { get; }
    public IEcsClient Ecs { get; }
    public IElbClient Elb { get; }
    public ICloudWatchClient CloudWatch { get; }
    public IEfsClient Efs { get; }
    public DynamoDbClient DynamoDbClient { get; }
    public IDynamoDbClient DynamoDb => DynamoDbClient;
    public IEc2Client Ec2 { get; }
}
