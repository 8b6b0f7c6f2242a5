using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>The real AWS clients, built from settings the way the app binds them.</summary>
internal sealed class AwsClients
{
    public AwsClients(IDictionary<string, string?> settings, HttpMessageHandler? handler = null)
    {
        var aws = new AwsOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(AwsOptions.SectionName).Bind(aws);
        Options = Microsoft.Extensions.Options.Options.Create(aws);
        Credentials = new AwsCredentialsSource(Options, NullLogger<AwsCredentialsSource>.Instance);
        Transport = new AwsTransport(Credentials, Options, handler);
        Ecs = new EcsClient(Transport);
        Elb = new ElbClient(Transport);
        CloudWatch = new CloudWatchClient(Transport);
        Efs = new EfsClient(Transport);
        DynamoDb = new DynamoDbClient(Credentials, Transport, Options);
    }

    public IOptions<AwsOptions> Options { get; }
    public AwsCredentialsSource Credentials { get; }
    public AwsTransport Transport { get; }
    public IEcsClient Ecs { get; }
    public IElbClient Elb { get; }
    public ICloudWatchClient CloudWatch { get; }
    public IEfsClient Efs { get; }
    public IDynamoDbClient DynamoDb { get; }
}
