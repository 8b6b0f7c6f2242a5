using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>The attack target (<see cref="AttackTarget"/>) for a test class.</summary>
public sealed class SecurityHost : IAsyncLifetime
{
    public const string Hermes = AttackTarget.Hermes;
    public const string Schedule = AttackTarget.Schedule;

    public DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await DashboardHost.StartAsync(AttackTarget.Settings());

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public async Task AssertNothingChangedAsync() => Assert.Empty(await AttackTarget.ChangesAsync(Host));
}
