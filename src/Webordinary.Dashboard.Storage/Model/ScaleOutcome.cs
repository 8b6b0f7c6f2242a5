namespace Webordinary.Dashboard.Probes.Scaling;

public enum ScaleReason
{
    Manual,
    Schedule,
    ProbeWarmUp,
}

public enum ScaleOutcome
{
    /// <summary>Requested; the rollout is under way.</summary>
    InProgress,

    /// <summary>Reached steady state; <see cref="Audit.ScaleChange.RolloutMs"/> is the real cold-start (or drain) time.</summary>
    Completed,

    /// <summary>ECS refused the change or could not be asked.</summary>
    Failed,

    /// <summary>Not steady within the rollout timeout (<c>Scaling:RolloutTimeout</c>).</summary>
    TimedOut,

    /// <summary>A schedule's change was refused by a guardrail (e.g. a change already in flight).</summary>
    Refused,

    /// <summary>The dashboard stopped before the rollout was seen to finish.</summary>
    Interrupted,

    /// <summary>Replaced by a later change from the same actor (a probe parking what it warmed up).</summary>
    Superseded,
}
