using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Webordinary.Dashboard.Hosting;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Configuration;

/// <summary>Without authentication the dashboard listens on loopback only.</summary>
public sealed class LoopbackOnlyTests
{
    [Theory]
    [InlineData("http://localhost:5180", true)]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://dashboard.example.com:80", false)]
    public void Recognises_loopback_urls(string url, bool loopback) => Assert.Equal(loopback, LoopbackOnly.IsLoopback(url));

    [Fact]
    public async Task Wildcard_url_is_rewritten_to_loopback_and_the_app_listens_only_there()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(DashboardHostingExtensions).Assembly.GetName().Name,
            ContentRootPath = Directory.CreateTempSubdirectory("loopback-test-").FullName,
            Args = ["--urls", "http://0.0.0.0:0"],
        });
        builder.Configuration.AddInMemoryCollection(DashboardHost.BaseSettings());
        builder.AddDashboard();
        await using var app = builder.Build();
        app.MapDashboard();

        await app.StartAsync();

        Assert.NotEmpty(app.Urls);
        Assert.All(app.Urls, url => Assert.True(LoopbackOnly.IsLoopback(url), $"listening on {url}"));
        await app.StopAsync();
    }

    [Fact]
    public async Task Non_loopback_kestrel_endpoint_stops_start_up_naming_the_key()
    {
        var settings = DashboardHost.BaseSettings();
        settings["Kestrel:Endpoints:Public:Url"] = "http://0.0.0.0:0";

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => DashboardHost.StartAsync(settings));

        Assert.Contains("Kestrel:Endpoints:Public:Url", ConfigurationErrors.Describe(exception));
        Assert.Contains("Dashboard:AllowRemoteAccess", exception.Message);
    }
}
