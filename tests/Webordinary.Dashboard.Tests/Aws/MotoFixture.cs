using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>One seeded moto for a test class.</summary>
public sealed class MotoFixture : IAsyncLifetime
{
    public MotoServer Moto { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        MotoServer.UseEnvironmentCredentials();
        Moto = await MotoServer.StartAsync();
    }

    public async Task DisposeAsync() => await Moto.DisposeAsync();
}
