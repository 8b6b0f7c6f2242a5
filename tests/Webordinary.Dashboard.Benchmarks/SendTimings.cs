using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Hubs;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// The hub's own lifetime manager (SignalR's default), wrapped to stamp when a <c>RunCompleted</c> broadcast began
/// and when every connection had taken it: splits push latency into queueing in the server, the server's fan-out,
/// and the rest (transport and the client). Delegates everything unchanged.
/// </summary>
public sealed class SendTimings(ILogger<DefaultHubLifetimeManager<StatusHub>> logger) : HubLifetimeManager<StatusHub>
{
    private readonly DefaultHubLifetimeManager<StatusHub> _inner = new(logger);

    /// <summary>Run id → (broadcast began, broadcast completed), Stopwatch timestamps.</summary>
    public ConcurrentDictionary<string, (long Began, long Completed)> RunCompleted { get; } = new();

    public override async Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var began = Stopwatch.GetTimestamp();
        await _inner.SendAllAsync(methodName, args, cancellationToken);
        if (methodName == nameof(IStatusHubClient.RunCompleted) && args is [RunDto run])
        {
            RunCompleted[run.Id] = (began, Stopwatch.GetTimestamp());
        }
    }

    public override Task OnConnectedAsync(HubConnectionContext connection) => _inner.OnConnectedAsync(connection);

    public override Task OnDisconnectedAsync(HubConnectionContext connection) => _inner.OnDisconnectedAsync(connection);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        _inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendGroupAsync(groupName, methodName, args, cancellationToken);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendGroupsAsync(groupNames, methodName, args, cancellationToken);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        _inner.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendUserAsync(userId, methodName, args, cancellationToken);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendUsersAsync(userIds, methodName, args, cancellationToken);

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _inner.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
}
