using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scaling;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Api;

public sealed record TargetDto(string Id, int Port, string State, string? Reason);

public sealed record ServiceEventDto(DateTimeOffset At, string Message);

public sealed record TaskDto(string Arn, string LastStatus, string DesiredStatus, string? HealthStatus, DateTimeOffset? StartedAt);

public sealed record RolloutDto(int From, int To, DateTimeOffset StartedAt, double ElapsedMs, string Phase, string Actor, string Reason);

public sealed record DependentProbeDto(string Id, string Status);

public sealed record ServiceDto(
    string Name,
    string Status,
    int DesiredCount,
    int RunningCount,
    int PendingCount,
    string? RolloutState,
    bool Parked,
    bool Steady,
    int? HealthyTargets,
    IReadOnlyList<TargetDto>? Targets,
    IReadOnlyList<TaskDto>? Tasks,
    IReadOnlyList<ServiceEventDto> Events,
    bool Scalable,
    int MaxDesiredCount,
    RolloutDto? Rollout,
    IReadOnlyList<DependentProbeDto> DependentProbes);

public sealed record ServicesDto(DateTimeOffset? ObservedAt, string? Error, IReadOnlyList<ServiceDto> Services);

public sealed record ScaleAcceptedDto(string Service, int? From, int? To, string? AuditId, bool NoChange, string Message);

/// <summary>
/// One action. <paramref name="Actor"/> is the name people read, <paramref name="ActorId"/> the stable id, <paramref name="Via"/> how
/// it was authenticated. Scale entries also carry <paramref name="Service"/>, the change and its rollout.
/// </summary>
public sealed record AuditEntryDto(string Id, DateTimeOffset At, string Actor, string ActorId, string Via, string Action, string Target, string Outcome,
    string? Message, string? Service, int? From, int? To, string? Reason, DateTimeOffset? CompletedAt, double? RolloutMs);

/// <param name="Enabled">False: disabled by configuration (<c>Scaling:Schedules:{name}:Enabled</c>); it never fires.</param>
public sealed record ScheduleDto(string Name, string Service, string Cron, int DesiredCount, string TimeZone, bool Paused, DateTimeOffset? NextFireAt, bool Enabled);

/// <summary>What the services page and API show for each service, the same in both.</summary>
public static class ServiceViews
{
    /// <summary>The probes that need each service (from the probes' DependsOn topology), with their current status.</summary>
    public static Func<string, IReadOnlyList<ProbeState>> Dependents(ProbeCatalog catalog, ProbeStatusFeed probes) => service =>
        [.. catalog.NeedingService(service).Select(d => probes.Get(d.Id)).OfType<ProbeState>()];

    public static ServicesDto ToDto(this ServicesSnapshot snapshot, Func<string, IReadOnlyList<ProbeState>> dependents, DateTimeOffset now) =>
        new(snapshot.ObservedAt, snapshot.Error, [.. snapshot.Services.Select(s => s.ToDto(dependents(s.Service.Name), now))]);

    public static ServiceDto ToDto(this ServiceState state, IReadOnlyList<ProbeState> dependents, DateTimeOffset now) => new(
        state.Service.Name, state.Service.Status, state.Service.DesiredCount, state.Service.RunningCount, state.Service.PendingCount,
        state.Service.Deployments.FirstOrDefault(d => d.Status == "PRIMARY")?.RolloutState, state.IsParked, state.IsSteady,
        state.Targets is null ? null : state.HealthyTargets,
        state.Targets?.Select(t => new TargetDto(t.TargetId, t.Port, t.State, t.Reason)).ToList(),
        state.Tasks?.Select(t => new TaskDto(t.Arn, t.LastStatus, t.DesiredStatus, t.HealthStatus, t.StartedAt)).ToList(),
        [.. state.Service.Events.Take(5).Select(e => new ServiceEventDto(e.CreatedAt, e.Message))],
        state.Scalable, state.MaxDesiredCount,
        state.Rollout is { } r ? new RolloutDto(r.From, r.To, r.StartedAt, (now - r.StartedAt).TotalMilliseconds, r.Phase, r.Actor.Name, r.Reason.ToString()) : null,
        [.. dependents.Select(p => new DependentProbeDto(p.ProbeId, p.Status.ToString()))]);

    public static AuditEntryDto ToDto(this AuditEntry e) => new(e.Id, e.At, e.Actor.Name, e.Actor.Id, e.Actor.Via, e.Action.ToString(), e.Target, e.Outcome,
        e.Message, e.Scale is null ? null : e.Target, e.Scale?.From, e.Scale?.To, e.Scale?.Reason.ToString(), e.Scale?.CompletedAt, e.Scale?.RolloutMs);

    public static ScheduleDto ToDto(this ScaleScheduleState s) => new(s.Name, s.Service, s.Cron, s.DesiredCount, s.TimeZone, s.Paused, s.NextFireAt, s.Enabled);
}
