using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Probes;

/// <summary>An Http probe against a real server on loopback: the status it expects passes, anything else fails with what came back.</summary>
public sealed class HttpProbeTests : IAsyncLifetime
{
    private WebApplication _target = null!;
    private DashboardHost _host = null!;
    private readonly TaskCompletionSource _slowRequestArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _target = builder.Build();
        _target.MapGet("/ok", () => "fine");
        _target.MapGet("/accepted", () => Results.StatusCode(202));
        _target.MapGet("/down", () => Results.StatusCode(503));
        _target.MapGet("/hang", async (CancellationToken aborted) =>
        {
            _slowRequestArrived.TrySetResult();
            // Never answers: the request ends only when the probe gives up and aborts it.
            await new TaskCompletionSource().Task.WaitAsync(aborted);
        });
        await _target.StartAsync();
        var address = _target.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        var settings = DashboardHost.BaseSettings();
        AddHttpProbe(settings, "ok", $"{address}/ok");
        AddHttpProbe(settings, "accepted", $"{address}/accepted", expectedStatus: 202);
        AddHttpProbe(settings, "down", $"{address}/down");
        AddHttpProbe(settings, "hang", $"{address}/hang", timeout: "00:00:01");
        _host = await DashboardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _target.DisposeAsync();
    }

    [Theory]
    [InlineData("ok", "/ok", "HTTP 200")]
    [InlineData("accepted", "/accepted", "HTTP 202")]
    public async Task Expected_status_passes(string probeId, string path, string summary)
    {
        var run = await _host.RunProbeAsync(probeId);

        Assert.Equal(ProbeOutcome.Pass, run.Outcome);
        var step = Assert.Single(run.Steps);
        Assert.EndsWith(path, step.Name);
        Assert.StartsWith("GET http://127.0.0.1:", step.Name);
        Assert.Equal(summary, run.Message);
    }

    [Fact]
    public async Task Another_status_fails_saying_what_came_back()
    {
        var run = await _host.RunProbeAsync("down");

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        var step = Assert.Single(run.Steps);
        Assert.Equal(StepOutcome.Fail, step.Outcome);
        Assert.Contains("Answered HTTP 503", step.Failure!.Message);
        Assert.Contains("expected 200", step.Failure.Message);
        Assert.Equal(503, step.Failure.HttpStatus);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_within_the_probe_timeout()
    {
        var run = await _host.RunProbeAsync("hang");

        Assert.True(_slowRequestArrived.Task.IsCompleted, "the request reached the server");
        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        Assert.StartsWith("Timed out after 1 s at step 'GET ", run.Message);
        Assert.Equal("Timeout", run.Steps.Single().Failure!.Kind);
    }

    [Fact]
    public async Task An_impossible_expected_status_stops_the_start_naming_the_key()
    {
        var settings = DashboardHost.BaseSettings();
        AddHttpProbe(settings, "teapot", "http://127.0.0.1:1/", expectedStatus: 700);

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        Assert.Contains("Dashboard:Probes:teapot:ExpectedStatus must be an HTTP status code", ConfigurationErrors.Describe(exception));
    }

    private static void AddHttpProbe(Dictionary<string, string?> settings, string id, string url, int? expectedStatus = null, string timeout = "00:00:05")
    {
        DashboardHost.AddProbe(settings, id, HttpProbe.KindName, timeout: timeout);
        settings[$"Dashboard:Probes:{id}:Url"] = url;
        if (expectedStatus is { } status)
        {
            settings[$"Dashboard:Probes:{id}:ExpectedStatus"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
