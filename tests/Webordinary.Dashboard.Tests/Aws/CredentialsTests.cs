using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>These tests change process environment variables, so they run alone.</summary>
[CollectionDefinition(nameof(EnvironmentChangingCollection), DisableParallelization = true)]
public sealed class EnvironmentChangingCollection;

/// <summary>
/// The credential chain resolves from the environment, a profile file and a container-credentials endpoint; an
/// unresolvable setup is a clear problem (not a crash), and no secret ever reaches the logs or the UI.
/// </summary>
[Collection(nameof(EnvironmentChangingCollection))]
public sealed class CredentialsTests : IDisposable
{
    private readonly IDisposable _environment = SharedAwsFiles.Use();

    public void Dispose() => _environment.Dispose();

    [Fact]
    public async Task Environment_credentials_sign_the_requests()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "env-secret-value");

        var authorization = await SignedAuthorizationAsync(new Dictionary<string, string?> { ["Aws:Region"] = "us-east-1" });

        Assert.Contains("Credential=AKIAENVIRONMENT/", authorization.Header);
        Assert.Contains("environment", authorization.Source);
    }

    [Fact]
    public async Task A_named_profile_from_the_shared_files_signs_the_requests_in_its_region()
    {
        var authorization = await SignedAuthorizationAsync(new Dictionary<string, string?> { ["Aws:Profile"] = "team" });

        Assert.Contains("Credential=AKIAPROFILE/", authorization.Header);
        Assert.Contains("/eu-central-1/ecs/aws4_request", authorization.Header);
        Assert.Contains("profile 'team'", authorization.Source);
    }

    [Fact]
    public async Task Container_credentials_endpoint_is_used_when_nothing_else_is_set()
    {
        await using var endpoint = await StartContainerCredentialsEndpointAsync();
        Environment.SetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.Urls.First() + "/creds");

        var authorization = await SignedAuthorizationAsync(new Dictionary<string, string?> { ["Aws:Region"] = "us-east-1" });

        Assert.Contains("Credential=ASIACONTAINER/", authorization.Header);
        Assert.Contains("container", authorization.Source);
    }

    [Fact]
    public async Task Missing_profile_is_a_clear_problem_on_the_overview_and_in_the_log_and_the_app_keeps_running()
    {
        var logs = new CapturingLoggerProvider();
        var settings = DashboardHost.BaseSettings();
        settings["Platform:Mode"] = "Aws";
        settings["Aws:Profile"] = "no-such-profile";
        settings["Aws:Region"] = "us-east-1";
        settings["Aws:AlbUrl"] = "http://127.0.0.1:9/";
        settings["Logging:LogLevel:Default"] = "Information";
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings, configureServices: s => s.AddSingleton<ILoggerProvider>(logs));

        var problem = host.Get<IPlatformStatus>().Problem;
        var run = await host.RunProbeAsync("ecs");
        using var http = host.CreateClient();
        var alive = await http.GetAsync("alive");

        Assert.NotNull(problem);
        Assert.Contains("Aws:Profile 'no-such-profile' was not found", problem);
        Assert.Contains("AWS_PROFILE", problem);
        Assert.Contains(logs.Messages, m => m.Contains("no-such-profile"));
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        Assert.Equal("CredentialsNotResolved", run.Steps[0].Failure!.ErrorCode);
    }

    [Fact]
    public async Task No_secret_key_reaches_the_log_or_the_probe_results()
    {
        const string secret = "very-secret-value-0123456789";
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIASECRETTEST");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", secret);
        var logs = new CapturingLoggerProvider();
        var settings = DashboardHost.BaseSettings();
        settings["Platform:Mode"] = "Aws";
        settings["Aws:Region"] = "us-east-1";
        settings["Aws:ServiceUrl"] = "http://127.0.0.1:9/";
        settings["Aws:AlbUrl"] = "http://127.0.0.1:9/";
        settings["Aws:MaxAttempts"] = "1";
        settings["Logging:LogLevel:Default"] = "Debug";
        DashboardHost.AddProbe(settings, "ecs", EcsServiceProbe.KindName);
        await using var host = await DashboardHost.StartAsync(settings, configureServices: s => s.AddSingleton<ILoggerProvider>(logs));

        var run = await host.RunProbeAsync("ecs");
        using var http = host.CreateClient();
        var api = await http.GetStringAsync("api/probes/ecs/runs");

        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        Assert.Equal("NetworkError", run.Steps[0].Failure!.ErrorCode);
        Assert.Contains(logs.Messages, m => m.Contains("AWS credentials from environment variables"));
        Assert.DoesNotContain(logs.Messages, m => m.Contains(secret));
        Assert.DoesNotContain(secret, api);
        Assert.DoesNotContain(secret, run.Message);
    }

    private static async Task<(string Header, string Source)> SignedAuthorizationAsync(Dictionary<string, string?> settings)
    {
        settings["Aws:ServiceUrl"] = "http://aws.local.test/";
        var handler = new ScriptedHandler((_, _) => ScriptedHandler.Json(HttpStatusCode.OK, """{"serviceArns":[]}"""));
        var clients = new AwsClients(settings, handler);

        var problem = await clients.Credentials.CheckAsync(CancellationToken.None);
        Assert.True(problem is null, problem);
        await clients.Ecs.ListServicesAsync("c", CancellationToken.None);

        return (Assert.Single(handler.Authorizations), clients.Credentials.Source);
    }

    private static Task<WebApplication> StartContainerCredentialsEndpointAsync() =>
        // The container credentials document, with its PascalCase names.
        StubServer.StartAsync(app => app.MapGet("/creds", () => Results.Text(
            "{\"AccessKeyId\":\"ASIACONTAINER\",\"SecretAccessKey\":\"container-secret-value\",\"Token\":\"container-session-token\",\"Expiration\":\""
            + DateTime.UtcNow.AddHours(6).ToString("yyyy-MM-ddTHH:mm:ssZ") + "\"}", "application/json")));

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IReadOnlyCollection<string> Messages => _messages;

        public ILogger CreateLogger(string categoryName) => new Logger(_messages);

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }
}
