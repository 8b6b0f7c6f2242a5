using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>DNS rebinding: the dashboard answers only to its own names.</summary>
public sealed class HostFilteringTests(SecurityHost fixture) : IClassFixture<SecurityHost>
{
    [Theory]
    [InlineData("evil.example", "/")]
    [InlineData("attacker.test:5180", "/api/probes")]
    [InlineData("127.0.0.1.evil.example", "/hubs/status/negotiate")]
    public async Task A_foreign_host_name_is_400(string host, string path)
    {
        var (status, head) = await RawHttp.SendAsync(fixture.Host.BaseAddress, $"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, status);
        Assert.Contains("application/problem+json", head);
    }

    [Theory]
    [InlineData("GET / HTTP/1.0\r\n\r\n")]
    [InlineData("GET /api/probes HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n")]
    public async Task A_missing_or_empty_host_is_400(string request)
    {
        var (status, _) = await RawHttp.SendAsync(fixture.Host.BaseAddress, request);

        Assert.Equal(400, status);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task Loopback_names_are_served(string name)
    {
        var (status, _) = await RawHttp.SendAsync(fixture.Host.BaseAddress,
            $"GET /api/probes HTTP/1.1\r\nHost: {name}:{fixture.Host.BaseAddress.Port}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Alive_answers_a_load_balancer_that_names_the_target_by_its_address()
    {
        var (alive, _) = await RawHttp.SendAsync(fixture.Host.BaseAddress, "GET /alive HTTP/1.1\r\nHost: 10.0.3.17:8080\r\nConnection: close\r\n\r\n");
        var (health, _) = await RawHttp.SendAsync(fixture.Host.BaseAddress, "GET /health HTTP/1.1\r\nHost: 10.0.3.17:8080\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, alive);
        Assert.Equal(400, health);
    }

    [Fact]
    public async Task Configured_names_and_their_subdomains_are_served_with_remote_access()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Dashboard:AllowRemoteAccess"] = "true";
        settings["AllowedHosts"] = "dashboard.example.com;*.ops.example.com";
        await using var host = await DashboardHost.StartAsync(settings);

        async Task<int> StatusFor(string name) =>
            (await RawHttp.SendAsync(host.BaseAddress, $"GET /api/probes HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n")).Status;

        Assert.Equal(200, await StatusFor("dashboard.example.com"));
        Assert.Equal(200, await StatusFor("eu.ops.example.com"));
        Assert.Equal(400, await StatusFor("ops.example.com.evil.example"));
        Assert.Equal(400, await StatusFor("example.com"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("*")]
    public async Task Remote_access_without_host_names_stops_start_up_naming_the_key(string? allowedHosts)
    {
        var settings = DashboardHost.BaseSettings();
        settings["Dashboard:AllowRemoteAccess"] = "true";
        settings["AllowedHosts"] = allowedHosts;

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        Assert.Contains("AllowedHosts", ConfigurationErrors.Describe(exception));
    }

    [Fact]
    public void Loopback_only_with_any_host_setting_still_answers_only_to_loopback_names()
    {
        var hosts = new Dashboard.Security.AllowedHosts(Dashboard.Security.AllowedHosts.Parse("*"));

        Assert.True(hosts.Allows("127.0.0.1"));
        Assert.True(hosts.Allows("LOCALHOST"));
        Assert.False(hosts.Allows("evil.example"));
    }
}
