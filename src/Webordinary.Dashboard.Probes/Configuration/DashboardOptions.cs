namespace Webordinary.Dashboard.Probes.Configuration;

/// <summary><c>Dashboard</c> section.</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>Where the results database lives; relative paths are under the content root.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The process's temporary directory (TMPDIR, what Path.GetTempPath returns): the one writable place besides the
    /// data directory under a read-only root file system. Unset: TMPDIR, else /tmp.
    /// </summary>
    public string? TempDirectory { get; set; }

    /// <summary>How soon a probe may be run by hand again (Run now / Run all).</summary>
    public TimeSpan RunNowCooldown { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Until authentication exists the dashboard listens on loopback only, unless this is set.</summary>
    public bool AllowRemoteAccess { get; set; }

    /// <summary>The address people open the dashboard at (behind a proxy or load balancer): links in messages, and an origin browsers may use.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Other origins whose pages may use the hubs and the API from a browser (e.g. a wallboard on another host).</summary>
    public List<string> TrustedOrigins { get; set; } = [];

    /// <summary>Probes by id.</summary>
    public Dictionary<string, ProbeSettings> Probes { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary><c>Dashboard:Probes:{id}</c>: one probe. Kind-specific settings sit in the same section.</summary>
public sealed class ProbeSettings
{
    public string Kind { get; set; } = "";

    public bool Enabled { get; set; } = true;

    /// <summary>Run every <see cref="Interval"/>; or give <see cref="Cron"/> instead (Quartz cron syntax).</summary>
    public TimeSpan? Interval { get; set; }

    public string? Cron { get; set; }

    /// <summary>Hard limit for one run, cleanup included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A run that passes but takes longer than this is Degraded.</summary>
    public TimeSpan? SlowThreshold { get; set; }

    /// <summary>Flap damping: the probe turns Down after this many failed runs in a row.</summary>
    public int FailuresToDown { get; set; } = 2;

    /// <summary>Flap damping: and Up again after this many passing runs in a row.</summary>
    public int PassesToUp { get; set; } = 1;

    /// <summary>After the first failure, run again at once to confirm it instead of waiting an interval.</summary>
    public bool ConfirmFailures { get; set; } = true;

    /// <summary>
    /// While the probe fails (or is Down), run it again this often until it passes, so a fault that is cleared shows
    /// within seconds. Never more often than <see cref="Timeout"/>, never less often than <see cref="Interval"/>.
    /// </summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Ids of the probes this one needs working (its root causes when they are Down). Unset: the defaults of its kind
    /// (e.g. hermes-health → the ALB probes → the ECS probes). An empty entry alone means none.
    /// </summary>
    public string[]? DependsOn { get; set; }

    /// <summary>The component the probe checks (ECS, ALB, Hermes, DynamoDB, CloudWatch, EFS); unset: its kind's.</summary>
    public string? Component { get; set; }

    /// <summary>Free labels (e.g. <c>team-edit</c>, <c>customer-facing</c>) that notification channels can select probes by.</summary>
    public string[]? Tags { get; set; }

    /// <summary>How soon after a failure the probe is run again: <see cref="RecoveryInterval"/>, at least the timeout, at most the interval.</summary>
    public TimeSpan RecheckDelay => Interval is { } interval && interval < Max(RecoveryInterval, Timeout) ? interval : Max(RecoveryInterval, Timeout);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public string Describe() => Cron is { Length: > 0 } ? $"cron {Cron}" : $"every {FormatSpan(Interval ?? TimeSpan.Zero)}";

    private static string FormatSpan(TimeSpan span) => span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours)
        ? $"{span.TotalHours:0} h"
        : span.TotalMinutes >= 1 && span.TotalMinutes == Math.Floor(span.TotalMinutes)
            ? $"{span.TotalMinutes:0} min"
            : $"{span.TotalSeconds:0.#} s";
}
