using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// A hub connection made with an API key lives on after the key is revoked unless something ends it: this filter
/// closes every connection of a key when it is revoked (on any instance: the change feed says so), and refuses an
/// invocation whose key no longer works.
/// </summary>
public sealed class ApiKeyHubFilter : IHubFilter
{
    private readonly ApiKeyStore _keys;
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new(StringComparer.Ordinal);

    public ApiKeyHubFilter(ApiKeyStore keys, ChangeFeed changes)
    {
        _keys = keys;
        // For the life of the process (both are singletons).
        changes.Subscribe<ApiKeyRevoked>(revoked =>
        {
            foreach (var connection in _connections.Values.Where(c => KeyOf(c) == revoked.Name))
            {
                connection.Abort();
            }
        });
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        if (KeyOf(context.Context) is not null)
        {
            _connections[context.Context.ConnectionId] = context.Context;
        }

        await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _connections.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception);
    }

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (KeyOf(invocationContext.Context) is { } name && !_keys.IsActive(name))
        {
            invocationContext.Context.Abort();
            throw new HubException("The API key was revoked.");
        }

        return next(invocationContext);
    }

    private static string? KeyOf(HubCallerContext context) =>
        context.User is { } user && DashboardPrincipal.ViaOf(user) == "apikey" ? DashboardPrincipal.ActorOf(user).Name : null;
}
