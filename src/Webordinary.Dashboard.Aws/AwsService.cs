namespace Webordinary.Dashboard.Aws;

/// <summary>One AWS service as the transport needs it: names for errors, signing and endpoints.</summary>
/// <param name="Name">Short name used in errors and in <c>Aws:Endpoints:{Name}</c>.</param>
/// <param name="SigningName">SigV4 service name.</param>
/// <param name="EndpointPrefix">Host prefix of the public endpoint, <c>{prefix}.{region}.amazonaws.com</c>.</param>
public sealed record AwsService(string Name, string SigningName, string EndpointPrefix)
{
    public static readonly AwsService Ecs = new("Ecs", "ecs", "ecs");
    public static readonly AwsService Elb = new("Elb", "elasticloadbalancing", "elasticloadbalancing");
    public static readonly AwsService CloudWatch = new("CloudWatch", "monitoring", "monitoring");
    public static readonly AwsService Efs = new("Efs", "elasticfilesystem", "elasticfilesystem");
    public static readonly AwsService DynamoDb = new("DynamoDb", "dynamodb", "dynamodb");

    public static readonly IReadOnlyList<AwsService> All = [Ecs, Elb, CloudWatch, Efs, DynamoDb];
}
