using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Configuration;

/// <summary>A bad appsettings value stops the start with a message naming the key to fix.</summary>
public sealed class ConfigurationValidationTests
{
    [Theory]
    [InlineData("Dashboard:Probes:bad:Kind", "Teleport", "Dashboard:Probes:bad:Kind 'Teleport' is not a known probe kind")]
    [InlineData("Dashboard:Probes:bad:Cron", "every tuesday", "Dashboard:Probes:bad:Cron 'every tuesday' is not a valid Quartz cron")]
    [InlineData("Dashboard:Probes:bad:Timeout", "00:00:00", "Dashboard:Probes:bad:Timeout must be between")]
    [InlineData("Dashboard:Probes:bad:SlowThreshold", "00:10:00", "Dashboard:Probes:bad:SlowThreshold must be positive and below")]
    [InlineData("Dashboard:Probes:bad:Interval", "00:00:30", "set exactly one of Dashboard:Probes:bad:Interval")]
    [InlineData("Dashboard:Probes:bad:Timeout", "soon", "Dashboard:Probes:bad:Timeout")]
    [InlineData("Dashboard:Probes:bad:Enabled", "maybe", "Dashboard:Probes:bad:Enabled")]
    [InlineData("Dashboard:Probes:bad:Kind", "Http", "Dashboard:Probes:bad:Url must be an absolute http(s) URL")]
    [InlineData("Platform:Mode", "Mainframe", "Platform:Mode")]
    [InlineData("Sandbox:InitialDesiredCount", "-1", "Sandbox:InitialDesiredCount")]
    [InlineData("Aws:AlbUrl", "not a url", "Aws:AlbUrl")]
    [InlineData("Platform:Mode", "Aws", "Aws:AlbUrl is required in Aws mode")]
    [InlineData("Auth:Mode", "Kerberos", "Auth:Mode")]
    [InlineData("Auth:Mode", "Oidc,AlbOidc", "Auth:Mode must be None, Oidc or AlbOidc")]
    [InlineData("Auth:Mode", "3", "Auth:Mode must be None, Oidc or AlbOidc")]
    [InlineData("Auth:Oidc:RolesClaim", "dashboard:role", "Auth:Oidc:RolesClaim")]
    [InlineData("Auth:Mode", "Oidc", "Auth:Oidc:Authority must be")]
    [InlineData("Auth:Mode", "AlbOidc", "Auth:AlbOidc:AlbArn must be")]
    [InlineData("Auth:Oidc:Authority", "http://idp.example", "Auth:Oidc:Authority must be")]
    [InlineData("Auth:AlbOidc:AlbArn", "my-alb", "Auth:AlbOidc:AlbArn must be")]
    [InlineData("Auth:ApiKeys:bot:Sha256", "wdk_the-key-itself", "Auth:ApiKeys:bot:Sha256 must be")]
    [InlineData("Auth:ApiKeys:bad name:Sha256", "0000000000000000000000000000000000000000000000000000000000000000", "Auth:ApiKeys:bad name")]
    [InlineData("Auth:Roles:Superuser:0", "admins", "Auth:Roles:Superuser is not a role")]
    [InlineData("Auth:DefaultRole", "Root", "Auth:DefaultRole")]
    [InlineData("Auth:KeyEncryption:Certificate", "not a certificate", "Auth:KeyEncryption:Certificate must be a PKCS#12 (.pfx) certificate")]
    [InlineData("Dashboard:TrustedOrigins:0", "https://wallboard.example/path", "Dashboard:TrustedOrigins:0")]
    [InlineData("Dashboard:PublicUrl", "dashboard.example", "Dashboard:PublicUrl")]
    [InlineData("Dashboard:TempDirectory", "scratch", "Dashboard:TempDirectory must be an absolute path")]
    public async Task Bad_value_stops_start_up_naming_the_key(string key, string value, string expected)
    {
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, "bad", "EcsService");
        settings[key] = value;
        if (key.StartsWith("Auth:", StringComparison.Ordinal))
        {
            // A sign-in mode opens remote access, which needs host names; the auth key is the one under test.
            settings["AllowedHosts"] = "dashboard.example";
            settings.TryAdd("Auth:Mode", key.StartsWith("Auth:AlbOidc", StringComparison.Ordinal) ? "AlbOidc" : key.StartsWith("Auth:Oidc", StringComparison.Ordinal) ? "Oidc" : "None");
        }

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        var message = ConfigurationErrors.Describe(exception);
        Assert.NotNull(message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public async Task Probe_with_neither_interval_nor_cron_is_refused()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Dashboard:Probes:lonely:Kind"] = "EcsService";

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        Assert.Contains("set exactly one of Dashboard:Probes:lonely:Interval", ConfigurationErrors.Describe(exception));
    }
}
