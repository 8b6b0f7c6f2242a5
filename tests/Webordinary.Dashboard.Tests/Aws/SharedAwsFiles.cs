using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>
/// The test process's own ~/.aws: the profiles of each credential kind, a credential_process script, a web identity
/// token, and the SSO cache folder. The SDK remembers the shared config file it read first, for the life of the
/// process, so the process is pointed here before any test runs (and the machine's own ~/.aws stays out of every
/// test); <see cref="Use"/> clears the other AWS variables for a test that changes them and restores them after.
/// </summary>
internal static class SharedAwsFiles
{
    [ModuleInitializer]
    internal static void PointTheProcessHere()
    {
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(Home, "credentials"));
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(Home, "config"));
    }

    public const string AccountId = "123456789012";
    public const string SsoSession = "team-sso";
    public const string SsoStartUrl = "https://team.awsapps.com/start";

    private static readonly string[] Variables =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "HOME",
    ];

    public static string Home { get; } = Write();

    /// <summary>The file whose absence makes the credential_process fail once (it creates it as it fails).</summary>
    public static string ProcessFailedOnce => Path.Combine(Home, "process-failed-once");

    public static string WebIdentityToken => Path.Combine(Home, "web-identity-token");

    /// <summary>Where `aws sso login` would have cached the token of <see cref="SsoSession"/>.</summary>
    public static string SsoTokenFile => Path.Combine(Home, ".aws", "sso", "cache", Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(SsoSession))) + ".json");

    /// <summary>Clears every AWS variable and points the shared files (and HOME, for the SSO cache) here; dispose to restore.</summary>
    public static IDisposable Use()
    {
        var saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        foreach (var variable in Variables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(Home, "credentials"));
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(Home, "config"));
        Environment.SetEnvironmentVariable("HOME", Home);
        return new Restore(saved);
    }

    public static void WriteSsoToken(DateTimeOffset expiresAt)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SsoTokenFile)!);
        File.WriteAllText(SsoTokenFile, $$"""{"startUrl":"{{SsoStartUrl}}","region":"us-east-1","accessToken":"cached-sso-access-token","expiresAt":"{{expiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}"}""");
    }

    private static string Write()
    {
        var home = Directory.CreateTempSubdirectory("aws-home-").FullName;
        var script = Path.Combine(home, "credential-process.sh");
        File.WriteAllText(script, """
            #!/bin/sh
            # Fails the first time (as an expired login would), works from then on.
            if [ ! -e "$1" ]; then
              touch "$1"
              echo "credential helper: the session has expired, log in again" >&2
              exit 1
            fi
            echo '{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "process-secret-value", "SessionToken": "process-token", "Expiration": "2099-01-01T00:00:00Z"}'
            """.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        // Any JWT: moto's STS does not check it.
        File.WriteAllText(Path.Combine(home, "web-identity-token"), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJkYXNoYm9hcmQifQ.");
        File.WriteAllText(Path.Combine(home, "credentials"), """
            [team]
            aws_access_key_id = AKIAPROFILE
            aws_secret_access_key = profile-secret-value
            region = eu-central-1

            [base]
            aws_access_key_id = AKIABASE
            aws_secret_access_key = base-secret-value
            """.ReplaceLineEndings("\n"));
        File.WriteAllText(Path.Combine(home, "config"), $"""
            [profile team]
            region = eu-central-1

            [profile base]
            region = us-east-1

            [profile reader]
            role_arn = arn:aws:iam::{AccountId}:role/dashboard-reader
            source_profile = base
            region = us-east-1

            [profile chained]
            role_arn = arn:aws:iam::{AccountId}:role/dashboard-second-hop
            source_profile = reader
            region = us-east-1

            [profile process]
            credential_process = {script} {Path.Combine(home, "process-failed-once")}
            region = us-east-1

            [profile personal]
            sso_session = {SsoSession}
            sso_account_id = {AccountId}
            sso_role_name = DashboardReadOnly
            region = us-east-1

            [profile logged-out]
            sso_session = logged-out-sso
            sso_account_id = {AccountId}
            sso_role_name = DashboardReadOnly
            region = us-east-1

            [sso-session {SsoSession}]
            sso_start_url = {SsoStartUrl}
            sso_region = us-east-1
            sso_registration_scopes = sso:account:access

            [sso-session logged-out-sso]
            sso_start_url = https://other.awsapps.com/start
            sso_region = us-east-1
            sso_registration_scopes = sso:account:access
            """.ReplaceLineEndings("\n"));
        return home;
    }

    private sealed class Restore(Dictionary<string, string?> saved) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (variable, value) in saved)
            {
                Environment.SetEnvironmentVariable(variable, value);
            }
        }
    }
}
