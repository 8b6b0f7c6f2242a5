using System.Net.Http.Json;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Connectivity;

namespace Webordinary.Dashboard.Testing;

/// <summary>
/// A sandbox dashboard with everything an attacker would aim at — a probe, the scalable Hermes service, a scale
/// schedule, the sandbox's faults — and a read-back, through the API, of what an attack would have changed.
/// </summary>
public static class AttackTarget
{
    public const string Hermes = "webordinary-hermes-service";
    public const string Schedule = "park-evenings";
    public const string Probe = "ecs";

    public static Dictionary<string, string?> Settings()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, Probe, EcsServiceProbe.KindName);
        settings[$"Scaling:Schedules:{Schedule}:Service"] = Hermes;
        settings[$"Scaling:Schedules:{Schedule}:Cron"] = DashboardHost.NeverCron;
        settings[$"Scaling:Schedules:{Schedule}:DesiredCount"] = "0";
        return settings;
    }

    /// <summary>Everything that differs from how the target started; empty when an attack changed nothing.</summary>
    public static async Task<IReadOnlyList<string>> ChangesAsync(DashboardHost host)
    {
        using var http = host.CreateClient();
        var changes = new List<string>();
        var services = await http.GetFromJsonAsync<JsonElement>("api/services");
        var desired = services.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == Hermes).GetProperty("desiredCount").GetInt32();
        if (desired != 1)
        {
            changes.Add($"{Hermes} wants {desired} tasks, not 1");
        }

        var audit = await http.GetFromJsonAsync<JsonElement>("api/audit");
        changes.AddRange(audit.EnumerateArray().Select(entry => $"audit entry {entry}"));
        var schedule = (await http.GetFromJsonAsync<JsonElement>("api/schedules")).EnumerateArray().Single(s => s.GetProperty("name").GetString() == Schedule);
        if (schedule.GetProperty("paused").GetBoolean())
        {
            changes.Add($"schedule {Schedule} is paused");
        }

        foreach (var fault in (await http.GetFromJsonAsync<JsonElement>("api/sandbox/faults")).EnumerateObject())
        {
            if (fault.Value.GetProperty("mode").GetString() != "none")
            {
                changes.Add($"sandbox fault {fault.Name}: {fault.Value}");
            }
        }

        var probe = await http.GetFromJsonAsync<JsonElement>($"api/probes/{Probe}");
        if (probe.GetProperty("status").GetString() != "Unknown" || probe.GetProperty("running").GetBoolean())
        {
            changes.Add($"probe {Probe} ran");
        }

        return changes;
    }
}
