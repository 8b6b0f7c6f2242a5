using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Api;

/// <summary>A plain SignalR client (not the Blazor UI) follows a triggered run over <c>/hubs/status</c>.</summary>
public sealed class StatusHubTests
{
    [Fact]
    public async Task Client_receives_started_each_step_and_completed_for_a_triggered_run_and_can_take_a_snapshot()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "dynamo", DynamoDbTableProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        var events = Channel.CreateUnbounded<(string Kind, string RunId, object Payload)>();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, StatusHub.Path.TrimStart('/')))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
        connection.On<RunDto>(nameof(IStatusHubClient.RunStarted), run => events.Writer.TryWrite(("started", run.Id, run)));
        connection.On<StepCompletedDto>(nameof(IStatusHubClient.StepCompleted), step => events.Writer.TryWrite(("step", step.RunId, step)));
        connection.On<RunDto>(nameof(IStatusHubClient.RunCompleted), run => events.Writer.TryWrite(("completed", run.Id, run)));
        await connection.StartAsync();

        var snapshot = await connection.InvokeAsync<StatusSnapshotDto>(nameof(StatusHub.GetSnapshot));
        using var http = host.CreateClient();
        var response = await http.PostAsync("api/probes/dynamo/run", null);
        var runId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<RunAcceptedDto>(response.Content))!.RunId;

        var received = new List<(string Kind, string RunId, object Payload)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (received.LastOrDefault().Kind != "completed")
        {
            received.Add(await events.Reader.ReadAsync(timeout.Token));
        }

        Assert.Equal("dynamo", Assert.Single(snapshot.Probes).Id);
        Assert.All(received, e => Assert.Equal(runId, e.RunId));
        Assert.Equal(["started", "step", "step", "step", "step", "completed"], received.Select(e => e.Kind));
        Assert.Equal(["Describe table", "Put probe item", "Get probe item", "Delete probe item"],
            received.Where(e => e.Kind == "step").Select(e => ((StepCompletedDto)e.Payload).Step.Name));
        Assert.Equal("Running", ((RunDto)received[0].Payload).Outcome);
        var completed = (RunDto)received[^1].Payload;
        Assert.Equal("Pass", completed.Outcome);
        Assert.Equal(4, completed.Steps.Count);
    }
}
