using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Sandbox;
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
        await using var steps = await ConnectAsync(host);
        await using var wallboard = await ConnectAsync(host);
        await steps.Connection.InvokeAsync(nameof(StatusHub.SubscribeSteps));

        var snapshot = await steps.Connection.InvokeAsync<StatusSnapshotDto>(nameof(StatusHub.GetSnapshot));
        using var http = host.CreateClient();
        var response = await http.PostAsync("api/probes/dynamo/run", null);
        var runId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<RunAcceptedDto>(response.Content))!.RunId;
        var received = await steps.UntilCompletedAsync();
        var wallboardReceived = await wallboard.UntilCompletedAsync();

        Assert.Equal("dynamo", Assert.Single(snapshot.Probes).Id);
        Assert.All(received, e => Assert.Equal(runId, e.RunId));
        Assert.Equal(["started", "step", "step", "step", "step", "completed"], received.Select(e => e.Kind));
        // Without SubscribeSteps: the run's start and end only (its steps are in RunCompleted).
        Assert.Equal(["started", "completed"], wallboardReceived.Select(e => e.Kind));
        Assert.Equal(4, ((RunDto)wallboardReceived[^1].Payload).Steps.Count);
        Assert.Equal(["Describe table", "Put probe item", "Get probe item", "Delete probe item"],
            received.Where(e => e.Kind == "step").Select(e => ((StepCompletedDto)e.Payload).Step.Name));
        Assert.Equal("Running", ((RunDto)received[0].Payload).Outcome);
        var completed = (RunDto)received[^1].Payload;
        Assert.Equal("Pass", completed.Outcome);
        Assert.Equal(4, completed.Steps.Count);
    }

    [Fact]
    public async Task Health_changes_reach_clients_once_per_change_and_down_only_after_the_confirming_failure()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "hermes", HermesHealthProbe.KindName, interval: "00:00:03");
        await using var host = await DashboardHost.StartAsync(settings);
        await using var client = await ConnectAsync(host);
        await client.UntilAsync(e => e.Payload is RunDto { Outcome: "Pass" });
        var before = await client.Connection.InvokeAsync<StatusSnapshotDto>(nameof(StatusHub.GetSnapshot));

        host.Get<FaultInjector>().Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));
        var untilDown = await client.UntilAsync(e => e.Payload is HealthChangedDto { Health: "Down" });
        host.Get<FaultInjector>().ClearAll();
        var untilUp = await client.UntilAsync(e => e.Payload is HealthChangedDto { Health: "Up" });

        Assert.Equal("Up", Assert.Single(before.Probes).Health);
        // Up → Fail (still Up: no message) → the confirm run fails too → Down, sent once, right after that run.
        var afterFault = untilDown.SkipWhile(e => e.Payload is not RunDto { Outcome: "Fail" }).Where(e => e.Kind != "started").ToList();
        Assert.Equal(["completed", "completed", "health"], afterFault.Select(e => e.Kind));
        Assert.Equal("Confirm", ((RunDto)afterFault[1].Payload).Trigger);
        Assert.Equal(afterFault[1].RunId, afterFault[2].RunId);
        Assert.Equal(["completed", "health"], untilUp.Where(e => e.Kind != "started").TakeLast(2).Select(e => e.Kind));
        Assert.Equal("Pass", ((RunDto)untilUp.Where(e => e.Kind == "completed").Last().Payload).Outcome);
    }

    [Fact]
    public async Task MessagePack_client_gets_the_same_snapshot_and_run_as_a_json_client()
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "dynamo", DynamoDbTableProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings);
        await using var json = await ConnectAsync(host);
        await using var messagePack = await ConnectAsync(host, messagePack: true);

        var snapshot = await messagePack.Connection.InvokeAsync<StatusSnapshotDto>(nameof(StatusHub.GetSnapshot));
        using var http = host.CreateClient();
        await http.PostAsync("api/probes/dynamo/run", null);
        var viaJson = (RunDto)(await json.UntilCompletedAsync())[^1].Payload;
        var viaMessagePack = (RunDto)(await messagePack.UntilCompletedAsync())[^1].Payload;

        Assert.Equal("dynamo", Assert.Single(snapshot.Probes).Id);
        Assert.Equal("Pass", viaMessagePack.Outcome);
        Assert.Equal(viaJson with { Steps = [], Metrics = null }, viaMessagePack with { Steps = [], Metrics = null });
        Assert.Equal(viaJson.Steps, viaMessagePack.Steps);
        Assert.Equal(4, viaMessagePack.Steps.Count);
    }

    private static async Task<HubClient> ConnectAsync(DashboardHost host, bool messagePack = false)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(host.BaseAddress, StatusHub.Path.TrimStart('/')));
        var client = new HubClient((messagePack
            ? builder.AddMessagePackProtocol()
            : builder.AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))).Build());
        await client.Connection.StartAsync();
        return client;
    }

    /// <summary>A hub connection that records what it receives, in order.</summary>
    private sealed class HubClient : IAsyncDisposable
    {
        private readonly Channel<(string Kind, string RunId, object Payload)> _events = Channel.CreateUnbounded<(string Kind, string RunId, object Payload)>();

        public HubClient(HubConnection connection)
        {
            Connection = connection;
            connection.On<RunDto>(nameof(IStatusHubClient.RunStarted), run => _events.Writer.TryWrite(("started", run.Id, run)));
            connection.On<StepCompletedDto>(nameof(IStatusHubClient.StepCompleted), step => _events.Writer.TryWrite(("step", step.RunId, step)));
            connection.On<RunDto>(nameof(IStatusHubClient.RunCompleted), run => _events.Writer.TryWrite(("completed", run.Id, run)));
            connection.On<HealthChangedDto>(nameof(IStatusHubClient.HealthChanged), change => _events.Writer.TryWrite(("health", change.RunId, change)));
        }

        public HubConnection Connection { get; }

        public Task<List<(string Kind, string RunId, object Payload)>> UntilCompletedAsync() => UntilAsync(e => e.Kind == "completed");

        /// <summary>Everything received from now up to and including the first event that matches.</summary>
        public async Task<List<(string Kind, string RunId, object Payload)>> UntilAsync(Func<(string Kind, string RunId, object Payload), bool> match)
        {
            var received = new List<(string Kind, string RunId, object Payload)>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            do
            {
                received.Add(await _events.Reader.ReadAsync(timeout.Token));
            }
            while (!match(received[^1]));

            return received;
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
