namespace Webordinary.Dashboard.Probes.Configuration;

/// <summary>
/// The part of the platform a probe checks. Maintenance windows can cover a component; the sandbox's fault
/// components have the same names in lower case (<c>ecs</c>, <c>alb</c>, <c>hermes</c>, <c>dynamodb</c>,
/// <c>cloudwatch</c>, <c>efs</c>).
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
}

public static class PlatformComponents
{
    public static IReadOnlyList<PlatformComponent> All { get; } = Enum.GetValues<PlatformComponent>();

    /// <summary>As people write them: ECS, ALB, Hermes, DynamoDB, CloudWatch, EFS.</summary>
    public static string DisplayName(this PlatformComponent component) => component switch
    {
        PlatformComponent.Ecs => "ECS",
        PlatformComponent.Alb => "ALB",
        PlatformComponent.DynamoDb => "DynamoDB",
        PlatformComponent.Efs => "EFS",
        _ => component.ToString(),
    };

    /// <summary>Any case, the display name or the enum name (<c>dynamodb</c>, <c>DynamoDB</c>); no numbers.</summary>
    public static bool TryParse(string? text, out PlatformComponent component)
    {
        component = default;
        if (string.IsNullOrWhiteSpace(text) || text.Any(char.IsDigit))
        {
            return false;
        }

        return Enum.TryParse(text.Trim(), ignoreCase: true, out component) && Enum.IsDefined(component);
    }

    public static string Known => string.Join(", ", All.Select(c => c.DisplayName()));
}
