using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>
/// The credential kinds teams use, each through the whole Aws-mode dashboard against moto (its STS included): the
/// probes pass signed with the credentials the kind produced, a failure is retried with backoff until it works,
/// and a missing SSO login is a clear problem while the dashboard runs.
/// </summary>
[Collection(nameof(EnvironmentChangingCollection))]
public sealed class CredentialKindsTests(MotoFixture fixture) : IClassFixture<MotoFixture>, IAsyncLifetime
{
    private static readonly string[] Probes = ["dynamo", "cloudwatch", "efs", "alb"];
    private IDisposable? _environment;
    private CountingProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _environment = SharedAwsFiles.Use();
        _proxy = await CountingProxy.StartAsync(fixture.Moto.Endpoint);
        // The SDK's own STS client (the credential providers') honours its endpoint variable: here, moto behind the proxy.
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_STS", _proxy.Endpoint.ToString());
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        _environment?.Dispose();
    }

    [Fact]
    public async Task An_assume_role_profile_named_by_aws_profile_setting_signs_every_call_as_the_role()
    {
        await using var host = await StartAsync(settings => settings["Aws:Profile"] = "reader");

        var runs = await RunProbesAsync(host);

        AssertAllPassed(runs);
        Assert.Equal(1, _proxy.Count("sts", "AssumeRole"));
        Assert.Contains("AKIABASE", _proxy.Calls.Where(c => c.Operation == "AssumeRole").Select(c => c.AccessKey));
        AssertSignedWithTemporaryKeys();
        Assert.Equal("profile 'reader' (Aws:Profile), assumed role", host.Get<AwsCredentialsSource>().Source);
    }

    [Fact]
    public async Task A_chained_role_through_aws_profile_assumes_both_hops()
    {
        Environment.SetEnvironmentVariable("AWS_PROFILE", "chained");
        await using var host = await StartAsync(_ => { });

        var runs = await RunProbesAsync(host);

        AssertAllPassed(runs);
        Assert.Equal(2, _proxy.Count("sts", "AssumeRole"));
        AssertSignedWithTemporaryKeys();
        Assert.Contains("profile 'chained' (AWS_PROFILE)", host.Get<AwsCredentialsSource>().Source);
    }

    [Fact]
    public async Task A_web_identity_token_file_with_a_role_arn_is_exchanged_at_sts()
    {
        Environment.SetEnvironmentVariable("AWS_WEB_IDENTITY_TOKEN_FILE", SharedAwsFiles.WebIdentityToken);
        Environment.SetEnvironmentVariable("AWS_ROLE_ARN", $"arn:aws:iam::{SharedAwsFiles.AccountId}:role/dashboard-web-identity");
        Environment.SetEnvironmentVariable("AWS_ROLE_SESSION_NAME", "dashboard");
        await using var host = await StartAsync(_ => { });

        var runs = await RunProbesAsync(host);

        AssertAllPassed(runs);
        // AssumeRoleWithWebIdentity is not signed: the token is the proof.
        Assert.Equal(1, _proxy.Count("unsigned", "AssumeRoleWithWebIdentity"));
        AssertSignedWithTemporaryKeys();
        Assert.Contains("web identity", host.Get<AwsCredentialsSource>().Source);
    }

    [Fact]
    public async Task A_credential_process_that_fails_once_is_retried_after_its_backoff_and_the_probes_recover_without_a_restart()
    {
        File.Delete(SharedAwsFiles.ProcessFailedOnce);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await StartAsync(settings => settings["Aws:Profile"] = "process", time);
        var problemAtStart = host.Get<IPlatformStatus>().Problem;

        var failed = await host.RunProbeAsync("dynamo");
        time.Advance(AwsCredentialsSource.RetryDelay(1));
        var recovered = await host.RunProbeAsync("dynamo");

        Assert.NotNull(problemAtStart);
        Assert.Contains("the session has expired, log in again", problemAtStart);
        Assert.Contains("Check the credential_process command of profile 'process'", problemAtStart);
        Assert.Equal(ProbeOutcome.Fail, failed.Outcome);
        Assert.Equal("CredentialsNotResolved", failed.Steps[0].Failure!.ErrorCode);
        Assert.Equal(ProbeOutcome.Pass, recovered.Outcome);
        Assert.Null(host.Get<IPlatformStatus>().Problem);
        Assert.Contains(_proxy.Calls, c => c.Service == "dynamodb" && c.AccessKey == "AKIAPROCESS");
    }

    [Fact]
    public async Task An_sso_profile_resolves_from_the_cached_token_through_the_sso_portal_and_is_renewed_before_it_expires()
    {
        SharedAwsFiles.WriteSsoToken(DateTimeOffset.UtcNow.AddHours(8));
        var asked = new List<string>();
        var renewed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var portal = await StubServer.StartAsync(app => app.MapGet("/federation/credentials", (HttpRequest request) =>
        {
            lock (asked)
            {
                asked.Add($"{request.Headers["x-amz-sso_bearer_token"]} {request.Query["account_id"]} {request.Query["role_name"]}");
                if (asked.Count == 2)
                {
                    renewed.TrySetResult();
                }
            }

            return Results.Json(new
            {
                roleCredentials = new
                {
                    accessKeyId = "ASIASSOPORTAL",
                    secretAccessKey = "sso-secret-value",
                    sessionToken = "sso-session-token",
                    // Valid, but inside the window in which the dashboard renews ahead of expiry (the SDK's own default for SSO is 0).
                    expiration = DateTimeOffset.UtcNow.Add(AwsCredentialsSource.RefreshAhead - TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds(),
                },
            });
        }));
        // The SDK's seam for its SSO client: AWS_ENDPOINT_URL_SSO (the portal is portal.sso.{region}.amazonaws.com otherwise).
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_SSO", portal.Urls.First());
        try
        {
            await using var host = await StartAsync(settings => settings["Aws:Profile"] = "personal");

            var runs = await RunProbesAsync(host);

            AssertAllPassed(runs);
            await renewed.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal($"cached-sso-access-token {SharedAwsFiles.AccountId} DashboardReadOnly", Assert.Single(asked.Distinct()));
            Assert.All(_proxy.Calls, c => Assert.Equal("ASIASSOPORTAL", c.AccessKey));
            Assert.Equal("profile 'personal' (Aws:Profile), IAM Identity Center (SSO)", host.Get<AwsCredentialsSource>().Source);
        }
        finally
        {
            File.Delete(SharedAwsFiles.SsoTokenFile);
        }
    }

    [Fact]
    public async Task An_sso_profile_without_a_login_names_aws_sso_login_and_the_dashboard_keeps_running()
    {
        Environment.SetEnvironmentVariable("AWS_PROFILE", "logged-out");
        await using var host = await StartAsync(_ => { });
        using var http = host.CreateClient();

        var problem = host.Get<IPlatformStatus>().Problem;
        var alive = await http.GetAsync("alive");
        var run = await host.RunProbeAsync("dynamo");

        Assert.NotNull(problem);
        Assert.Contains("Run `aws sso login --profile logged-out`", problem);
        Assert.Contains("profile 'logged-out' (AWS_PROFILE), IAM Identity Center (SSO)", problem);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(ProbeOutcome.Fail, run.Outcome);
        Assert.Equal("CredentialsNotResolved", run.Steps[0].Failure!.ErrorCode);
        Assert.Contains("aws sso login --profile logged-out", run.Steps[0].Failure!.Message);
        Assert.DoesNotContain(_proxy.Calls, c => c.Service != "unsigned");
    }

    private async Task<DashboardHost> StartAsync(Action<Dictionary<string, string?>> configure, TimeProvider? time = null)
    {
        var settings = fixture.Moto.DashboardSettings(through: _proxy.Endpoint);
        DashboardHost.AddProbe(settings, "dynamo", DynamoDbTableProbe.KindName);
        DashboardHost.AddProbe(settings, "cloudwatch", CloudWatchHeartbeatProbe.KindName);
        DashboardHost.AddProbe(settings, "efs", EfsFileSystemProbe.KindName);
        DashboardHost.AddProbe(settings, "alb", AlbTargetHealthProbe.KindName);
        configure(settings);
        return await DashboardHost.StartAsync(settings, configureServices: time is null ? null : services => services.AddSingleton(time));
    }

    private static async Task<IReadOnlyList<ProbeRun>> RunProbesAsync(DashboardHost host)
    {
        var runs = new List<ProbeRun>();
        foreach (var probe in Probes)
        {
            runs.Add(await host.RunProbeAsync(probe));
        }

        return runs;
    }

    private static void AssertAllPassed(IEnumerable<ProbeRun> runs) =>
        Assert.All(runs, run => Assert.True(run.Outcome == ProbeOutcome.Pass, $"{run.ProbeId}: {run.Outcome}: {run.Message}"));

    /// <summary>Every call to the platform's services went out signed with the temporary keys STS gave (moto's start with ASIA).</summary>
    private void AssertSignedWithTemporaryKeys()
    {
        var serviceCalls = _proxy.Calls.Where(c => c.Service is not ("sts" or "unsigned")).ToList();
        Assert.NotEmpty(serviceCalls);
        Assert.All(serviceCalls, c => Assert.StartsWith("ASIA", c.AccessKey));
    }
}
