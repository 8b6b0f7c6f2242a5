using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Testing;
using Webordinary.Dashboard.Tests.Notifications;
using Webordinary.Dashboard.Tests.Security;
using static Webordinary.Dashboard.Tests.Notifications.NotificationTestSupport;

namespace Webordinary.Dashboard.Tests.Incidents;

/// <summary>Working an incident through the API on a real host: acknowledge (reminders, its one message), notes (bounds, authorship, the 10 minutes), roles and cross-site refusal.</summary>
public sealed class IncidentWorkTests
{
    private const string OperatorKey = "wdk_operator-key-for-the-incident-tests-01";
    private const string ViewerKey = "wdk_viewer-key-for-the-incident-tests-0001";

    [Fact]
    public async Task Acknowledge_stops_the_reminders_and_sends_one_acknowledged_message_and_un_acknowledge_resumes_them()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = TableAndFlows(flows: false);
        AddWebhook(settings, "ops", receiver.Url());
        settings["Notifications:Channels:ops:StillOpenEvery"] = "00:30:00";
        await using var host = await DashboardHost.StartAsync(settings, configureServices: s => s.AddSingleton<TimeProvider>(time));
        var id = await OpenIncidentAsync(host);
        await ReminderAndInboxTests.DeliveredAsync(host, receiver, 1);
        time.Advance(TimeSpan.FromMinutes(30));
        await ReminderAndInboxTests.DeliveredAsync(host, receiver, 2);
        using var http = host.CreateClient();

        using var acknowledged = await http.PostAsync($"api/incidents/{id}/acknowledge", null);
        using var again = await http.PostAsync($"api/incidents/{id}/acknowledge", null);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (acknowledged.StatusCode, again.StatusCode));
        var state = await acknowledged.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((true, "local"), (state.GetProperty("acknowledged").GetBoolean(), state.GetProperty("by").GetString()));
        var message = (await ReminderAndInboxTests.DeliveredAsync(host, receiver, 3))[2];
        Assert.Equal(["opened", "still_open", "acknowledged"], Events(receiver));
        Assert.Empty(SchemaErrors(message.Body));
        var payload = JsonDocument.Parse(message.Body).RootElement;
        Assert.Contains("acknowledged by local", payload.GetProperty("title").GetString());
        Assert.Equal("local", payload.GetProperty("incident").GetProperty("acknowledgedBy").GetString());

        // The second period falls due while it is acknowledged: no reminder is queued for it.
        time.Advance(TimeSpan.FromMinutes(30));
        await host.Get<NotificationReminders>().QueueDueAsync(time.GetUtcNow(), CancellationToken.None);
        Assert.Null(await host.Get<INotificationOutbox>().GetAsync($"{id}:2:still_open:ops", CancellationToken.None));

        using var unacknowledged = await http.DeleteAsync($"api/incidents/{id}/acknowledge");
        Assert.Equal(HttpStatusCode.OK, unacknowledged.StatusCode);
        Assert.False((await unacknowledged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("acknowledged").GetBoolean());
        await host.Get<NotificationReminders>().QueueDueAsync(time.GetUtcNow(), CancellationToken.None);
        await ReminderAndInboxTests.DeliveredAsync(host, receiver, 4);
        Assert.Equal(["opened", "still_open", "acknowledged", "still_open"], Events(receiver));

        var timeline = (await http.GetFromJsonAsync<JsonElement>($"api/incidents/{id}")).GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal(["local", "local"], timeline.Where(e => e.GetProperty("kind").GetString() is "acknowledged" or "unacknowledged").Select(e => e.GetProperty("actor").GetString()));
        Assert.Single(timeline, e => e.GetProperty("notification").ValueKind == JsonValueKind.Object
            && e.GetProperty("notification").GetProperty("event").GetString() == "acknowledged");
        var audit = await host.Get<AuditLog>().ListAsync(new AuditQuery(50, Target: id), CancellationToken.None);
        Assert.Equal(["IncidentAcknowledge Done local", "IncidentAcknowledge Refused local", "IncidentUnacknowledge Done local"],
            audit.Select(a => $"{a.Action} {a.Outcome} {a.Actor.Id}").Order(StringComparer.Ordinal));

        // Resolved: no longer acknowledged; an unknown one is 404.
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.None));
        var changes = await RecordChangesAsync(host, () => host.RunProbeAsync(PlatformProbes.Dynamo));
        Assert.Equal([IncidentChangeKind.Resolved], changes.Select(c => c.Change.Kind));
        using var resolved = await http.PostAsync($"api/incidents/{id}/acknowledge", null);
        using var unknown = await http.PostAsync("api/incidents/0123456789abcdef0123456789abcdef/acknowledge", null);
        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.NotFound), (resolved.StatusCode, unknown.StatusCode));
        Assert.Equal("application/problem+json", resolved.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Notes_are_bounded_plain_text_in_the_api_and_the_postmortem_and_only_their_author_edits_them_for_10_minutes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var settings = TableAndFlows(flows: false);
        AddKey(settings, "ops-bot", OperatorKey, "Operator");
        await using var host = await DashboardHost.StartAsync(settings, configureServices: s => s.AddSingleton<TimeProvider>(time));
        var id = await OpenIncidentAsync(host);
        using var local = host.CreateClient();
        using var bot = Client(host, OperatorKey);
        const string markup = "<img src=x onerror=alert(1)><b>x</b>\n# not a heading";

        foreach (var bad in new[] { "", "   ", new string('x', IncidentActions.MaxNoteLength + 1), "nul\0byte" })
        {
            using var refused = await local.PostAsJsonAsync($"api/incidents/{id}/notes", new { text = bad });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        using var longest = await local.PostAsJsonAsync($"api/incidents/{id}/notes", new { text = $"  {new string('y', IncidentActions.MaxNoteLength)}  " });
        time.Advance(TimeSpan.FromSeconds(1));
        using var added = await local.PostAsJsonAsync($"api/incidents/{id}/notes", new { text = markup });
        using var unknown = await local.PostAsJsonAsync("api/incidents/0123456789abcdef0123456789abcdef/notes", new { text = "x" });
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.NotFound), (longest.StatusCode, added.StatusCode, unknown.StatusCode));
        var note = await added.Content.ReadFromJsonAsync<JsonElement>();
        var noteId = note.GetProperty("id").GetString()!;
        Assert.Equal((markup, "local"), (note.GetProperty("text").GetString(), note.GetProperty("author").GetString()));

        var incident = await local.GetFromJsonAsync<JsonElement>($"api/incidents/{id}");
        Assert.Equal(IncidentActions.MaxNoteLength, incident.GetProperty("notes")[0].GetProperty("text").GetString()!.Length);
        Assert.Equal(markup, incident.GetProperty("notes")[1].GetProperty("text").GetString());
        Assert.Contains(incident.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("kind").GetString() == "note" && e.GetProperty("text").GetString() == markup);

        // Another operator may not edit it; its author may, for 10 minutes.
        using var notAuthor = await bot.PutAsJsonAsync($"api/incidents/{id}/notes/{noteId}", new { text = "mine now" });
        time.Advance(TimeSpan.FromMinutes(9));
        using var edited = await local.PutAsJsonAsync($"api/incidents/{id}/notes/{noteId}", new { text = markup + "\nedited" });
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        using var late = await local.PutAsJsonAsync($"api/incidents/{id}/notes/{noteId}", new { text = "too late" });
        using var noSuchNote = await local.PutAsJsonAsync($"api/incidents/{id}/notes/0123456789abcdef", new { text = "x" });
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.NotFound),
            (notAuthor.StatusCode, edited.StatusCode, late.StatusCode, noSuchNote.StatusCode));

        var markdown = await local.GetStringAsync($"api/incidents/{id}/postmortem");
        Assert.Contains("## Summary", markdown);
        Assert.Contains("## Timeline", markdown);
        Assert.Contains("## Notes", markdown);
        Assert.Contains(@"> \<img src=x onerror=alert(1)\>\<b\>x\</b\>", markdown);
        Assert.Contains(@"> \# not a heading", markdown);
        Assert.Contains("> edited", markdown);
        Assert.DoesNotMatch(@"(?<!\\)<img", markdown);
        var audit = await host.Get<AuditLog>().ListAsync(new AuditQuery(100), CancellationToken.None);
        Assert.Equal(2, audit.Count(a => a is { Action: AuditAction.IncidentNoteAdd, Outcome: AuditOutcomes.Done, Actor.Id: "local" }));
        Assert.Contains(audit, a => a is { Action: AuditAction.IncidentNoteEdit, Outcome: AuditOutcomes.Refused, Actor.Id: "apikey:ops-bot" });
    }

    [Fact]
    public async Task A_viewer_gets_403_on_acknowledge_and_notes_and_a_cross_site_request_is_refused_and_nothing_changes()
    {
        var settings = TableAndFlows(flows: false);
        AddKey(settings, "wallboard", ViewerKey, "Viewer");
        await using var host = await DashboardHost.StartAsync(settings);
        var id = await OpenIncidentAsync(host);
        using var local = host.CreateClient();
        using var viewer = Client(host, ViewerKey);
        var note = (await (await local.PostAsJsonAsync($"api/incidents/{id}/notes", new { text = "mine" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var denied = new List<HttpResponseMessage>
        {
            await viewer.PostAsync($"api/incidents/{id}/acknowledge", null),
            await viewer.DeleteAsync($"api/incidents/{id}/acknowledge"),
            await viewer.PostAsJsonAsync($"api/incidents/{id}/notes", new { text = "viewer's note" }),
            await viewer.PutAsJsonAsync($"api/incidents/{id}/notes/{note}", new { text = "viewer's edit" }),
        };
        foreach (var (method, path, body) in new[]
        {
            ("POST", $"api/incidents/{id}/acknowledge", (string?)null),
            ("DELETE", $"api/incidents/{id}/acknowledge", null),
            ("POST", $"api/incidents/{id}/notes", """{"text":"from evil"}"""),
            ("PUT", $"api/incidents/{id}/notes/{note}", """{"text":"from evil"}"""),
        })
        {
            using var request = CrossSiteRequestTests.AsBrowserSends(method, path, body, "http://evil.example", "cross-site");
            var response = await local.SendAsync(request);
            Assert.Contains("Cross-site", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
            denied.Add(response);
        }

        Assert.All(denied, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.All(denied, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
        var stored = await host.Get<IIncidentStore>().GetAsync(id, CancellationToken.None);
        Assert.Null(stored!.Acknowledged);
        Assert.Equal(["mine"], (await host.Get<IIncidentStore>().ListNotesAsync(id, CancellationToken.None)).Select(n => n.Text));
        var audit = await host.Get<AuditLog>().ListAsync(new AuditQuery(100, Actor: "apikey:wallboard"), CancellationToken.None);
        Assert.Contains(audit, a => a is { Action: AuditAction.IncidentAcknowledge, Outcome: AuditOutcomes.Denied });
        Assert.Contains(audit, a => a is { Action: AuditAction.IncidentNoteAdd, Outcome: AuditOutcomes.Denied });
        foreach (var response in denied)
        {
            response.Dispose();
        }
    }

    /// <summary>The table Down twice (the damping): its incident's id.</summary>
    private static async Task<string> OpenIncidentAsync(DashboardHost host)
    {
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
        var changes = await RecordChangesAsync(host, async () =>
        {
            await host.RunProbeAsync(PlatformProbes.Dynamo);
            await host.RunProbeAsync(PlatformProbes.Dynamo);
        });
        return Assert.Single(changes, c => c.Change.Kind == IncidentChangeKind.Opened).Change.Incident.Id;
    }

    private static void AddKey(Dictionary<string, string?> settings, string name, string key, string role)
    {
        settings[$"Auth:ApiKeys:{name}:Sha256"] = ApiKeyStore.Hash(key);
        settings[$"Auth:ApiKeys:{name}:Role"] = role;
    }

    private static HttpClient Client(DashboardHost host, string key)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static List<string> Events(NotificationReceiver receiver) => [.. receiver.Received.Select(r => r.Headers[WebhookDelivery.EventHeader])];
}
