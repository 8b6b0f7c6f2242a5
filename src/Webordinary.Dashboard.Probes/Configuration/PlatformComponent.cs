namespace Webordinary.Dashboard.Probes.Configuration;

/// <summary>
/// The part of the platform a probe checks. Maintenance windows can cover a component; the sandbox's fault
/// components have the same names in lower case (<c>ecs</c>, <c>alb</c>, <c>hermes</c>, <c>dynamodb</c>,
/// <c>cloudwatch</c>, <c>efs</c>, <c>ec2</c>).
/// </summary>
public enum PlatformComponent
{
    /// <summary>The ECS cluster and the Hermes service (<c>Aws:Cluster</c>, <c>Aws:Service</c>).</summary>
    Ecs,
    Alb,
    Hermes,
    DynamoDb,
    CloudWatch,
    Efs,

    /// <summary>The security groups of the ALB and the Hermes tasks.</summary>
    Ec2,
}

public static class PlatformComponents
{
    public static IReadOnlyList<PlatformComponent> All { get; } = Enum.GetValues<PlatformComponent>();

    /// <summary>As people write them: ECS, ALB, Hermes, DynamoDB, CloudWatch, EFS, EC2.</summary>
    public static string DisplayName(this PlatformComponent component) => component switch
    {
        PlatformComponent.Ecs => "ECS",
        PlatformComponent.Alb => "ALB",
        PlatformComponent.DynamoDb => "DynamoDB",
        PlatformComponent.Efs => "EFS",
        PlatformComponent.Ec2 => "EC2",
        _ => component.ToString(),
    };

    /// <summary>One component by its name or display name, any case (<c>dynamodb</c>, <c>DynamoDB</c>); not a number, not a list.</summary>
    public static bool TryParse(string? text, out PlatformComponent component)
    {
        var name = text?.Trim();
        component = All.FirstOrDefault(c => string.Equals(c.ToString(), name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(c.DisplayName(), name, StringComparison.OrdinalIgnoreCase));
        return All.Any(c => string.Equals(c.ToString(), name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(c.DisplayName(), name, StringComparison.OrdinalIgnoreCase));
    }

    public static string Known => string.Join(", ", All.Select(c => c.DisplayName()));
}
