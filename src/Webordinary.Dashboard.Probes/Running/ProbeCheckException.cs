namespace Webordinary.Dashboard.Probes.Running;

/// <summary>Thrown by a step whose call worked but whose answer is not what the platform should say.</summary>
public sealed class ProbeCheckException(string message, int? httpStatus = null) : Exception(message)
{
    public int? HttpStatus { get; } = httpStatus;
}

/// <summary>Unwinds a probe after one of its steps failed; the failure is already recorded on the step.</summary>
public sealed class ProbeStepFailedException(string stepName) : Exception($"Step '{stepName}' failed.")
{
    public string StepName { get; } = stepName;
}
