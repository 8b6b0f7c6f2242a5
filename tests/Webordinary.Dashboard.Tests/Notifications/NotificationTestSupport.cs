using System.Text.Json;
using Json.Schema;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Notifications;

/// <summary>What the notification tests share: the hosts' settings, the published schema, and the incident changes as they happen.</summary>
internal static class NotificationTestSupport
{
    public const string Secret = "test-secret-0123456789abcdef";

    /// <summary>Loaded once: the schema library keeps every schema it builds under its $id.</summary>
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notification-v1.schema.json"))));

    /// <summary>The session table (and two session flows that need it), run only when a test says.</summary>
    public static Dictionary<string, string?> TableAndFlows(bool flows = true)
    {
        var settings = DashboardHost.BaseSettings();
        settings["Notifications:SandboxInbox"] = "false";
        var probes = new[] { (PlatformProbes.Dynamo, "DynamoDbTable"), (PlatformProbes.Routing, "SessionRouting"), (PlatformProbes.Concurrent, "SessionConcurrent") };
        foreach (var (id, kind) in probes.Take(flows ? 3 : 1))
        {
            DashboardHost.AddProbe(settings, id, kind, timeout: "00:00:30");
        }

        return settings;
    }

    public static void AddWebhook(Dictionary<string, string?> settings, string name, Uri url, string? secret = Secret)
    {
        settings[$"Notifications:Channels:{name}:Kind"] = "Webhook";
        settings[$"Notifications:Channels:{name}:Url"] = url.ToString();
        if (secret is not null)
        {
            settings[$"Notifications:Channels:{name}:Secret"] = secret;
        }
    }

    /// <summary>The schema errors of a webhook body against notification-v1.schema.json (the file the README documents).</summary>
    public static IReadOnlyList<string> SchemaErrors(string body) => SchemaErrors(Schema.Value, body);

    /// <summary>What in <paramref name="body"/> does not match <paramref name="schema"/> (formats checked too); empty when it does.</summary>
    public static IReadOnlyList<string> SchemaErrors(JsonSchema schema, string body)
    {
        using var document = JsonDocument.Parse(body);
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))];
    }

    /// <summary>Drives a probe through the real runner until the incident book reaches <paramref name="done"/>.</summary>
    public static async Task<List<(IncidentChange Change, DateTimeOffset At)>> RecordChangesAsync(DashboardHost host, Func<Task> act)
    {
        var changes = new List<(IncidentChange, DateTimeOffset)>();
        void OnChange(IncidentChange change)
        {
            lock (changes)
            {
                changes.Add((change, DateTimeOffset.UtcNow));
            }
        }

        var tracker = host.Get<ProbeHealthTracker>();
        tracker.Changed += OnChange;
        try
        {
            await act();
        }
        finally
        {
            tracker.Changed -= OnChange;
        }

        return changes;
    }
}
