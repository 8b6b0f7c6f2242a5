using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Api;

/// <summary>Export round-trips: what the API writes as CSV and JSON is what the store holds.</summary>
public sealed class ExportTests
{
    [Fact]
    public async Task Raw_runs_export_as_csv_and_json_with_the_same_content_as_the_store()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "dynamo", DynamoDbTableProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        await host.RunProbeAsync("dynamo");
        host.Get<FaultInjector>().Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Throttle));
        var failed = await host.RunProbeAsync("dynamo");
        host.Get<FaultInjector>().ClearAll();
        await host.RunProbeAsync("dynamo");
        var stored = (await host.Get<IResultsStore>().GetRunsAsync("dynamo", 10, null, CancellationToken.None)).Reverse().ToList();
        using var http = host.CreateClient();
        var range = $"from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}";

        var csvResponse = await http.GetAsync($"api/probes/dynamo/export?format=csv&{range}");
        var csv = ParseCsv(await csvResponse.Content.ReadAsStringAsync());
        var json = await http.GetFromJsonAsync<JsonElement>($"api/probes/dynamo/export?format=json&resolution=raw&{range}");

        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType!.MediaType);
        Assert.Contains("attachment", csvResponse.Content.Headers.ContentDisposition!.ToString());
        Assert.Equal(["runId", "startedAt", "endedAt", "durationMs", "outcome", "trigger", "message", "failedStep", "errorCode", "requestId", "httpStatus", "maintenanceWindow"], csv[0]);
        Assert.Equal(stored.Select(r => r.Id), csv.Skip(1).Select(row => row[0]));
        Assert.Equal(stored.Select(r => r.Outcome.ToString()), csv.Skip(1).Select(row => row[4]));
        Assert.Equal(stored.Select(r => r.Message ?? ""), csv.Skip(1).Select(row => row[6]));
        var failedRow = csv.Single(row => row[0] == failed.Id);
        Assert.Equal(("Describe table", "ThrottlingException"), (failedRow[7], failedRow[8]));
        Assert.Equal(stored.Select(r => r.Id), json.EnumerateArray().Select(e => e.GetProperty("runId").GetString()));
        Assert.Equal(failed.Steps[0].Failure!.RequestId, json.EnumerateArray().Single(e => e.GetProperty("runId").GetString() == failed.Id).GetProperty("requestId").GetString());
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>($"api/probes/dynamo/export?format=json&resolution=hour&{range}")).GetArrayLength());
    }

    [Theory]
    [InlineData("api/probes/nope/export?format=csv", HttpStatusCode.NotFound)]
    [InlineData("api/probes/dynamo/export", HttpStatusCode.BadRequest)]
    [InlineData("api/probes/dynamo/export?format=xml", HttpStatusCode.BadRequest)]
    [InlineData("api/probes/dynamo/export?format=csv&resolution=week", HttpStatusCode.BadRequest)]
    [InlineData("api/probes/dynamo/export?format=csv&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("api/probes/dynamo/export?format=csv&from=soon", HttpStatusCode.BadRequest)]
    public async Task Bad_export_requests_are_problems(string url, HttpStatusCode status)
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "dynamo", DynamoDbTableProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        using var http = host.CreateClient();

        var response = await http.GetAsync(url);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A small RFC 4180 reader: quoted fields with doubled quotes, commas and line breaks inside.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { field.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                row.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
            }
            else { field.Append(c); }
        }

        return rows;
    }
}
