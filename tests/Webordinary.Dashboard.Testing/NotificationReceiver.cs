using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Webordinary.Dashboard.Testing;

/// <summary>A request a <see cref="NotificationReceiver"/> took: its headers, its body, and what it was answered.</summary>
public sealed record ReceivedRequest(DateTimeOffset At, string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Status);

/// <summary>
/// A real HTTP receiver for the notification tests (a webhook's or Slack's stand-in) on a loopback port: records every
/// request, answers what <see cref="Answer"/> says (200 by default), and lets a test wait for requests — the signal,
/// not a sleep.
/// </summary>
public sealed class NotificationReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ReceivedRequest> _received = [];
    private readonly List<(Func<IReadOnlyList<ReceivedRequest>, bool> Done, TaskCompletionSource Signal)> _waiters = [];

    private NotificationReceiver(WebApplication app) => _app = app;

    /// <summary>What to answer a request (status, optional Retry-After seconds, body); null: 200 "ok".</summary>
    public Func<ReceivedRequest, (int Status, string? RetryAfter, string Body)>? Answer { get; set; }

    /// <summary>Before answering (e.g. a slow receiver), with the request's token.</summary>
    public Func<CancellationToken, Task>? BeforeAnswer { get; set; }

    public Uri Url(string path = "hook") => new(new Uri(_app.Urls.First()), path);

    public IReadOnlyList<ReceivedRequest> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    public static async Task<NotificationReceiver> StartAsync(string url = "http://127.0.0.1:0")
    {
        NotificationReceiver? receiver = null;
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/{**path}", (Delegate)((HttpContext http) => receiver!.TakeAsync(http)));
        receiver = new NotificationReceiver(app);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Until <paramref name="done"/> holds for the requests received so far (checked at once and after each request).</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(Func<IReadOnlyList<ReceivedRequest>, bool> done, TimeSpan? timeout = null)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (done(_received))
            {
                return [.. _received];
            }

            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((done, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The receiver got {Received.Count} request(s), not what the test waited for: "
                + string.Join(" | ", Received.Select(r => $"{r.Status} {r.Body[..Math.Min(r.Body.Length, 200)]}")));
        }

        return Received;
    }

    public Task<IReadOnlyList<ReceivedRequest>> WaitForCountAsync(int count, TimeSpan? timeout = null) => WaitForAsync(r => r.Count >= count, timeout);

    private async Task<IResult> TakeAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new ReceivedRequest(DateTimeOffset.UtcNow, http.Request.Path, headers, body, 0);
        if (BeforeAnswer is { } before)
        {
            await before(http.RequestAborted);
        }

        var (status, retryAfter, answer) = Answer?.Invoke(request) ?? (200, null, "ok");
        request = request with { Status = status };
        List<TaskCompletionSource> release = [];
        lock (_gate)
        {
            _received.Add(request);
            foreach (var waiter in _waiters.Where(w => w.Done(_received)).ToList())
            {
                _waiters.Remove(waiter);
                release.Add(waiter.Signal);
            }
        }

        foreach (var signal in release)
        {
            signal.TrySetResult();
        }

        if (retryAfter is not null)
        {
            http.Response.Headers.RetryAfter = retryAfter;
        }

        return Results.Text(answer, statusCode: status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
