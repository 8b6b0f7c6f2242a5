namespace Webordinary.Dashboard.Aws;

/// <summary>How a service's FIPS endpoint looks in aws-us-gov, where several services are FIPS on their plain host.</summary>
public enum GovCloudFips
{
    /// <summary><c>{prefix}-fips.{region}…</c> as in every other partition.</summary>
    FipsHost,

    /// <summary>The plain host (<c>{prefix}.{region}.amazonaws.com</c>); FIPS with dual-stack keeps the <c>-fips</c> host.</summary>
    PlainHost,

    /// <summary>The plain host, with and without dual-stack.</summary>
    PlainHostAlsoDualStack,
}

/// <summary>One AWS service as the dashboard needs it: names for errors, signing, configured endpoints and the endpoint rules.</summary>
/// <param name="Name">Short name used in errors and in <c>Aws:Endpoints:{Name}</c>.</param>
/// <param name="SigningName">SigV4 service name.</param>
/// <param name="EndpointPrefix">Host prefix of the regional endpoint, <c>{prefix}.{region}.{dnsSuffix}</c>.</param>
/// <param name="ServiceId">The SDK's service id, which names <c>AWS_ENDPOINT_URL_{ID}</c> and the key in a profile's <c>services</c> section.</param>
/// <param name="DualStackPrefix">Host prefix of the dual-stack endpoint where it differs (EFS: <c>efs</c>), in the partitions <paramref name="DualStackPrefixPartitions"/>.</param>
public sealed record AwsService(string Name, string SigningName, string EndpointPrefix, string ServiceId, string? DualStackPrefix = null,
    GovCloudFips GovCloudFips = GovCloudFips.FipsHost, IReadOnlyCollection<string>? DualStackPrefixPartitions = null)
{
    // The endpoint rules of each service's endpoint-rule-set (botocore 1.43), where they differ from the partition's pattern.
    public static readonly AwsService Ecs = new("Ecs", "ecs", "ecs", "ECS");
    public static readonly AwsService Elb = new("Elb", "elasticloadbalancing", "elasticloadbalancing", "Elastic Load Balancing v2", GovCloudFips: GovCloudFips.PlainHost);
    public static readonly AwsService CloudWatch = new("CloudWatch", "monitoring", "monitoring", "CloudWatch", GovCloudFips: GovCloudFips.PlainHostAlsoDualStack);
    public static readonly AwsService Efs = new("Efs", "elasticfilesystem", "elasticfilesystem", "EFS", DualStackPrefix: "efs",
        DualStackPrefixPartitions: ["aws", "aws-cn", "aws-us-gov"]);
    public static readonly AwsService DynamoDb = new("DynamoDb", "dynamodb", "dynamodb", "DynamoDB", GovCloudFips: GovCloudFips.PlainHost);
    public static readonly AwsService Ec2 = new("Ec2", "ec2", "ec2", "EC2", GovCloudFips: GovCloudFips.PlainHost);
    public static readonly AwsService Sns = new("Sns", "sns", "sns", "SNS");

    public static readonly IReadOnlyList<AwsService> All = [Ecs, Elb, CloudWatch, Efs, DynamoDb, Ec2, Sns];

    /// <summary><c>AWS_ENDPOINT_URL_ECS</c>, <c>AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2</c>, …</summary>
    public string EndpointVariable => "AWS_ENDPOINT_URL_" + ServiceId.ToUpperInvariant().Replace(' ', '_');

    /// <summary>The service's key in a profile's <c>services</c> section: <c>ecs</c>, <c>elastic_load_balancing_v2</c>, …</summary>
    public string ConfigKey => ServiceId.ToLowerInvariant().Replace(' ', '_');
}
