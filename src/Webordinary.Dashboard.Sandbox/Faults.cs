using System.Collections.Concurrent;
using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Sandbox;

public enum FaultMode
{
    None,

    /// <summary>Every call fails (AWS: ServiceUnavailable 503; Hermes: 503 and targets unhealthy; ALB: 502).</summary>
    Down,

    /// <summary>Every call is delayed by <see cref="FaultSetting.LatencyMs"/>.</summary>
    Slow,

    /// <summary>A share (<see cref="FaultSetting.ErrorRate"/>) of calls fail with a 5xx.</summary>
    Errors,

    /// <summary>Every call is throttled (AWS: ThrottlingException 400; Hermes: 429).</summary>
    Throttle,

    /// <summary><c>ec2</c> only: the Hermes service's security group also accepts its port from 0.0.0.0/0.</summary>
    OpenRule,
}

public sealed record FaultSetting(FaultMode Mode, int LatencyMs = 0, double ErrorRate = 0)
{
    public static readonly FaultSetting None = new(FaultMode.None);
}

/// <summary>The components faults can be injected into.</summary>
public static class SandboxComponents
{
    public const string Ecs = "ecs";
    public const string Alb = "alb";
    public const string Hermes = "hermes";
    public const string DynamoDb = "dynamodb";
    public const string CloudWatch = "cloudwatch";
    public const string Efs = "efs";

    /// <summary>The security groups (EC2's DescribeSecurityGroups).</summary>
    public const string Ec2 = "ec2";

    public static readonly IReadOnlyList<string> All = [Ecs, Alb, Hermes, DynamoDb, CloudWatch, Efs, Ec2];

    public static bool IsKnown(string component) => All.Contains(component);
}

/// <summary>
/// Per-component fault settings, changed from the sandbox panel or <c>PUT /api/sandbox/faults/{component}</c>,
/// and applied by the simulated services on every call.
/// </summary>
public sealed class FaultInjector
{
    public const int MaxLatencyMs = 120_000;

    private readonly ConcurrentDictionary<string, FaultSetting> _faults = new(StringComparer.Ordinal);

    public FaultInjector()
    {
    }

    /// <summary>With the faults of <c>Sandbox:Faults</c> in place (validated at start by <see cref="ValidateConfigured"/>).</summary>
    public FaultInjector(Microsoft.Extensions.Options.IOptions<SandboxOptions> options)
    {
        foreach (var (component, fault) in options.Value.Faults)
        {
            if (ParseMode(fault.Mode) is { } mode && Validate(component, new FaultSetting(mode, fault.LatencyMs, fault.ErrorRate)) is null)
            {
                _faults[component] = new FaultSetting(mode, fault.LatencyMs, fault.ErrorRate);
            }
        }
    }

    /// <summary>One known mode word, any case: not a number, not a flags list like "none,down".</summary>
    public static FaultMode? ParseMode(string? mode) =>
        Enum.GetValues<FaultMode>().Cast<FaultMode?>().FirstOrDefault(m => string.Equals(m.ToString(), mode, StringComparison.OrdinalIgnoreCase));

    /// <summary>Each configured fault's problem, naming its key.</summary>
    public static IEnumerable<string> ValidateConfigured(SandboxOptions options)
    {
        foreach (var (component, fault) in options.Faults)
        {
            var key = $"{SandboxOptions.SectionName}:Faults:{component}";
            if (ParseMode(fault.Mode) is not { } mode)
            {
                yield return $"{key}:Mode must be one of {string.Join(", ", Enum.GetNames<FaultMode>().Select(n => n.ToLowerInvariant()))} (got '{fault.Mode}').";
            }
            else if (Validate(component, new FaultSetting(mode, fault.LatencyMs, fault.ErrorRate)) is { } error)
            {
                yield return $"{key}: {error}";
            }
        }
    }

    public event Action? Changed;

    /// <summary>A component's fault was taken away (set to none, or all cleared): what it broke can be checked again.</summary>
    public event Action<string>? Cleared;

    /// <summary>A component got a fault, or a different one: what it breaks can be checked now rather than at its next run.</summary>
    public event Action<string>? Injected;

    public IReadOnlyDictionary<string, FaultSetting> Current =>
        SandboxComponents.All.ToDictionary(c => c, Get);

    public FaultSetting Get(string component) => _faults.GetValueOrDefault(component, FaultSetting.None);

    /// <returns>Null when the setting is valid, else the reason it is not.</returns>
    public static string? Validate(string component, FaultSetting setting)
    {
        if (!SandboxComponents.IsKnown(component))
        {
            return $"Unknown component '{component}'. Known: {string.Join(", ", SandboxComponents.All)}.";
        }

        // Whatever the mode, a rate is a share: NaN or Infinity could be neither applied nor shown (nor written as JSON).
        if (!double.IsFinite(setting.ErrorRate) || setting.ErrorRate is < 0 or > 1)
        {
            return "errorRate must be a number from 0 to 1.";
        }

        return setting.Mode switch
        {
            FaultMode.Slow when setting.LatencyMs is <= 0 or > MaxLatencyMs => $"latencyMs must be between 1 and {MaxLatencyMs} for mode slow.",
            FaultMode.Errors when setting.ErrorRate is 0 => "errorRate must be above 0 and at most 1 for mode errors.",
            FaultMode.OpenRule when component != SandboxComponents.Ec2 => $"Mode openrule opens a security-group rule: it applies to component {SandboxComponents.Ec2} only.",
            _ => null,
        };
    }

    public void Set(string component, FaultSetting setting)
    {
        if (Validate(component, setting) is { } error)
        {
            throw new ArgumentException(error, nameof(setting));
        }

        var before = Get(component);
        _faults[component] = setting;
        Changed?.Invoke();
        if (setting.Mode == FaultMode.None && before.Mode != FaultMode.None)
        {
            Cleared?.Invoke(component);
        }
        else if (setting.Mode != FaultMode.None && setting != before)
        {
            Injected?.Invoke(component);
        }
    }

    public void ClearAll()
    {
        var faulted = _faults.Where(f => f.Value.Mode != FaultMode.None).Select(f => f.Key).ToList();
        _faults.Clear();
        Changed?.Invoke();
        foreach (var component in faulted)
        {
            Cleared?.Invoke(component);
        }
    }

    /// <summary>Applies the fault of an AWS-style component to one API call: delays it or throws as AWS would.</summary>
    public async Task ApplyAsync(string component, string service, string operation, CancellationToken cancellationToken)
    {
        var fault = Get(component);
        switch (fault.Mode)
        {
            case FaultMode.Slow:
                await Task.Delay(fault.LatencyMs, cancellationToken);
                break;
            case FaultMode.Down:
                throw new PlatformCallException(service, operation, "ServiceUnavailable",
                    $"Service unavailable (sandbox fault: {component} down).", 503, NewRequestId());
            case FaultMode.Throttle:
                throw new PlatformCallException(service, operation, component == SandboxComponents.CloudWatch ? "Throttling" : "ThrottlingException",
                    "Rate exceeded (sandbox fault: throttle).", 400, NewRequestId());
            case FaultMode.Errors when Random.Shared.NextDouble() < fault.ErrorRate:
                throw new PlatformCallException(service, operation, InternalErrorCode(component),
                    $"Internal error (sandbox fault: errors at {fault.ErrorRate:P0}).", 500, NewRequestId());
        }
    }

    public static string NewRequestId() => Guid.NewGuid().ToString();

    private static string InternalErrorCode(string component) => component switch
    {
        SandboxComponents.Ecs => "ServerException",
        SandboxComponents.DynamoDb => "InternalServerError",
        SandboxComponents.CloudWatch => "InternalServiceError",
        SandboxComponents.Efs => "InternalServerError",
        _ => "InternalFailure",
    };
}
