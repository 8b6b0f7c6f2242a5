namespace Webordinary.Dashboard.Probes.Running;

/// <summary>What a step's body sees: its cancellation token and where to leave its detail line.</summary>
public sealed class StepScope(CancellationToken cancellationToken)
{
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>One line shown under the step, e.g. "ACTIVE, 1/1 tasks running".</summary>
    public string? Detail { get; set; }

    /// <summary>Set when the step worked in a way that should mark the run Degraded.</summary>
    public string? DegradedReason { get; private set; }

    public void Degrade(string reason) => DegradedReason = reason;

    /// <summary>Fails the step: the call worked but the answer is wrong.</summary>
    public static void Check(bool condition, string failure, int? httpStatus = null)
    {
        if (!condition)
        {
            throw new ProbeCheckException(failure, httpStatus);
        }
    }
}
