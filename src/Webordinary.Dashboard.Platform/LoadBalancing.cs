namespace Webordinary.Dashboard.Platform;

/// <summary>Target health as ELBv2 reports it: state <c>initial | healthy | unhealthy | unused | draining | unavailable</c>.</summary>
public sealed record TargetHealth(string TargetId, int Port, string State, string? Reason, string? Description);

/// <summary>The ELBv2 operations the dashboard uses (awsQuery, <c>Version=2015-12-01</c>).</summary>
public interface IElbClient
{
    /// <param name="targetGroup">Target group name or ARN.</param>
    /// <exception cref="PlatformResourceNotFoundException">The target group does not exist.</exception>
    Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroup, CancellationToken cancellationToken);
}
